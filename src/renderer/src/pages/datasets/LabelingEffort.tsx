// The labeling effort on record for a dataset (labeling.effort): how long a saved mask takes
// (median active seconds), with and without a suggestion, and how often a suggestion (a run's
// prediction or the click model's answer) was saved exactly as it came.
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { ErrorBox } from '../../components/ui';
import type { DatasetSummary, EffortSource } from '../../../../shared/contract';

const fmtS = (s: number | null) => (s === null ? '—' : `${s < 10 ? s.toFixed(1) : Math.round(s)} s`);
const SOURCES: Array<[EffortSource, string]> = [
  ['none', 'from scratch'],
  ['prediction', 'from a prediction'],
  ['interactive', 'with the click model'],
];

export function LabelingEffort({ dataset }: { dataset: DatasetSummary }) {
  const api = useApi();
  const e = useAsync(() => api.labeling.effort({ datasetId: dataset.id }), [api, dataset.id]);
  const s = e.data;
  if (e.error) return <ErrorBox error={e.error} context={`Labeling effort of ${dataset.name}`} />;
  if (!s || s.masks === 0) return null;
  return (
    <section className="card labeling-effort" aria-label="Labeling effort" data-testid="labeling-effort">
      <h3>Labeling effort</h3>
      <p>
        <strong className="num" data-testid="effort-masks">{s.masks}</strong> saved mask{s.masks === 1 ? '' : 's'} on record · median{' '}
        <strong className="num" data-testid="effort-median-seconds">{fmtS(s.medianSeconds)}</strong> per mask · {fmtS(Math.round(s.totalSeconds))} in all
        {s.suggestions ? (
          <>
            {' '}· suggestions accepted with no edit:{' '}
            <strong className="num" data-testid="effort-accepted">
              {s.acceptedUnedited}/{s.suggestions} ({Math.round((s.acceptedShare ?? 0) * 100)}%)
            </strong>
          </>
        ) : null}
      </p>
      <p className="muted small">
        {SOURCES.filter(([k]) => s.bySource[k].masks > 0)
          .map(([k, label]) => `${label}: ${s.bySource[k].masks} (median ${fmtS(s.bySource[k].medianSeconds)})`)
          .join(' · ')}
        {' '}· active time in the editor, pauses over a minute left out.
      </p>
    </section>
  );
}
