// The runs page's list of sweeps (newest first), each linking to its ranking.
import type { SweepSummary } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useEvent } from '../../hooks/use-event';
import { hrefFor } from '../../router';
import { ErrorBox, StatusBadge } from '../../components/ui';

export function SweepsList() {
  const api = useApi();
  const sweeps = useAsync(() => api.sweeps.list({}), [api]);
  useEvent('run:status', () => sweeps.reload());
  const list: SweepSummary[] = sweeps.data ?? [];
  if (!list.length && !sweeps.error) return null;
  return (
    <section className="card sweeps-list" aria-label="Sweeps" data-testid="sweeps-list">
      <h3>Sweeps</h3>
      <ErrorBox error={sweeps.error} context="Listing sweeps" />
      <ul>
        {list.map((s) => (
          <li key={s.id}>
            <a href={hrefFor({ page: 'sweep', sweepId: s.id })}>
              #{s.id} {s.name}
            </a>{' '}
            <StatusBadge status={s.status} /> <span className="small muted">{s.finished}/{s.configurations} finished</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
