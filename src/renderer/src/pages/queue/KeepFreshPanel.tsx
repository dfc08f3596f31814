// "Keep the model fresh": after every N saved masks the chosen run is fine-tuned (a new run, at
// low priority, never beside a user's training) and the queue then ranks with it.
import { useEffect, useState } from 'react';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useEvent } from '../../hooks/use-event';
import { ErrorBox } from '../../components/ui';
import { hrefFor } from '../../router';

export function KeepFreshPanel({ datasetId, runId }: { datasetId: number; runId: number | undefined }) {
  const api = useApi();
  const s = useAsync(() => api.queue.keepFresh({ datasetId }), [api, datasetId]);
  const [every, setEvery] = useState(10);
  const [minutes, setMinutes] = useState(2);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (s.data) {
      setEvery(s.data.everyMasks);
      setMinutes(s.data.minutes);
    }
  }, [s.data]);
  useEvent('run:status', () => s.reload());
  const save = (enabled: boolean) =>
    api.queue
      .setKeepFresh({ datasetId, enabled, everyMasks: every, minutes, runId: enabled ? (s.data?.runId ?? runId ?? null) : s.data?.runId ?? null })
      .then((v) => {
        setError(null);
        s.setData(v);
      }, (e: Error) => setError(e.message));
  const d = s.data;
  return (
    <fieldset className="keep-fresh" data-testid="keep-fresh">
      <legend>Keep the model fresh</legend>
      <label>
        <input type="checkbox" checked={Boolean(d?.enabled)} onChange={(e) => void save(e.target.checked)} data-testid="keep-fresh-enabled" /> fine-tune after every{' '}
        <input type="number" min={1} max={10000} value={every} onChange={(e) => setEvery(Number(e.target.value))} onBlur={() => d?.enabled && void save(true)} style={{ width: '5em' }} /> saved masks, for{' '}
        <input type="number" min={0.1} max={240} step={0.5} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} onBlur={() => d?.enabled && void save(true)} style={{ width: '5em' }} /> minutes
      </label>
      {d?.enabled ? (
        <p className="small muted">
          Current model: {d.runId ? <a href={hrefFor({ page: 'run', runId: d.runId })}>run {d.runId}</a> : 'none'} · {d.savedSince} of {d.everyMasks} masks saved since the last fine-tune
          {d.pendingRunId ? (
            <>
              {' '}
              · fine-tune <a href={hrefFor({ page: 'run', runId: d.pendingRunId })}>run {d.pendingRunId}</a> waiting or training (low priority: your runs go first)
            </>
          ) : null}
        </p>
      ) : (
        <p className="small muted">Off: the model changes only when you train it.</p>
      )}
      <ErrorBox error={error ?? s.error ?? d?.lastError ?? null} context="Keep the model fresh" />
    </fieldset>
  );
}
