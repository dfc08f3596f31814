// The window (or tab) title tells how far a training run is and how long it has left, so a user
// working in another window sees it in the task bar: "42% · 3 min 10 s left · #7 — Pet Segmentation Studio".
import { useEffect } from 'react';
import { fmtSeconds } from '../../components/ui';
import { useLiveRuns } from './live-runs';

const BASE_TITLE = 'Pet Segmentation Studio';

export function useWindowTitle(): void {
  const live = useLiveRuns();
  const ids = live.activeIds();
  const v = ids.length ? live.view(ids[0]!) : null;
  const more = ids.length > 1 ? ` (+${ids.length - 1} more)` : '';
  const title = v
    ? `${Math.floor(v.fraction * 100)}% · ${v.runSeconds !== null ? `${fmtSeconds(v.runSeconds)} left` : 'estimating'} · #${v.runId} ${v.name}${more} — ${BASE_TITLE}`
    : BASE_TITLE;
  useEffect(() => {
    document.title = title;
  }, [title]);
}
