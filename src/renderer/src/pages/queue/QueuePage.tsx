// The labeling queue of one dataset (issue 13): unlabeled photos ranked by how unsure the current
// model is (label these first), or labeled photos ranked by how much the model disagrees with
// their label (review these: likely mistakes), with the difference overlay. Every ranking says
// which model version made it; a finished run (a keep-fresh fine-tune) refreshes the list.
import { useState } from 'react';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useEvent } from '../../hooks/use-event';
import { ErrorBox, EmptyState } from '../../components/ui';
import { hrefFor, navigate } from '../../router';
import type { QueueKind } from '../../../../shared/contract';
import { QueueCard } from './QueueCard';
import { KeepFreshPanel } from './KeepFreshPanel';
import { ModelVersionLine } from './ModelVersionLine';

const SHOWN = 60;

export function QueuePage({ datasetId, kind }: { datasetId: number; kind: QueueKind }) {
  const api = useApi();
  const [runId, setRunId] = useState<number | undefined>(undefined);
  // Plain runs with a checkpoint: the click-to-segment ones cannot rank photos without clicks.
  const runs = useAsync(async () => {
    const [all, clickRuns] = await Promise.all([api.runs.list({}), api.labeling.interactiveRuns({ datasetId })]);
    const click = new Set(clickRuns.map((r) => r.runId));
    return all.filter((r) => r.epochsCompleted > 0 && !click.has(r.id));
  }, [api, datasetId]);
  const plainRuns = runs.data ?? [];
  const queue = useAsync(() => api.queue.get({ datasetId, runId, kind, limit: SHOWN }), [api, datasetId, runId, kind]);
  useEvent('run:status', (p) => {
    if (p.status === 'completed') {
      queue.reload();
      runs.reload();
    }
  });
  const q = queue.data;
  return (
    <div className="page queue-page" data-testid="queue-page">
      <header className="page-header">
        <a href={hrefFor({ page: 'datasets', datasetId })}>← Dataset</a>
        <h2>Labeling queue</h2>
        <div className="tabs" role="tablist">
          {(['unlabeled', 'review'] as const).map((k) => (
            <button key={k} type="button" role="tab" aria-selected={k === kind} className={k === kind ? 'primary' : ''} onClick={() => navigate({ page: 'queue', datasetId, kind: k })}>
              {k === 'unlabeled' ? 'To label (most uncertain first)' : 'To review (label vs prediction)'}
            </button>
          ))}
        </div>
      </header>
      <label className="inline-field">
        Model{' '}
        <select value={runId ?? ''} onChange={(e) => setRunId(e.target.value ? Number(e.target.value) : undefined)} data-testid="queue-run">
          <option value="">kept-fresh or newest run on this dataset</option>
          {plainRuns.map((r) => (
            <option key={r.id} value={r.id}>
              run {r.id} · {r.name}
            </option>
          ))}
        </select>
      </label>
      <KeepFreshPanel datasetId={datasetId} runId={runId ?? q?.model.runId} />
      <ErrorBox error={queue.error} context="Ranking the photos" />
      {queue.loading && !q ? <p className="muted">Scoring the photos with the model…</p> : null}
      {q ? (
        <>
          <p className="muted" data-testid="queue-summary">
            {q.total} {kind === 'unlabeled' ? 'unlabeled photos, ranked by mean p(1−p) of the prediction' : 'labeled photos, ranked by 1 − Dice(label, prediction)'}
            {' · '}
            <ModelVersionLine model={q.model} />
            {q.scoredNow > 0 ? ` · ${q.scoredNow} scored now in ${q.seconds.toFixed(1)} s` : ''}
          </p>
          {q.items.length === 0 ? (
            <EmptyState title={kind === 'unlabeled' ? 'Nothing left to label' : 'No labels to review'} />
          ) : (
            <ol className="queue-grid" data-testid="queue-list">
              {q.items.map((it, i) => (
                <QueueCard key={it.sampleId} rank={i + 1} item={it} datasetId={datasetId} runId={q.model.runId} kind={kind} />
              ))}
            </ol>
          )}
          {q.total > q.items.length ? <p className="muted">The first {q.items.length} of {q.total}.</p> : null}
        </>
      ) : null}
    </div>
  );
}
