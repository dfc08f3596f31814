// "Use prediction as label": loads a run's predicted mask of this photo into the editor (as one
// undoable change), for correcting rather than drawing from scratch.
import { useState } from 'react';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { decodeMaskPng, type MaskData } from '../../labeling/mask-bitmap';
import { ErrorBox } from '../../components/ui';

export function UsePrediction({ datasetId, sampleId, onMask }: { datasetId: number; sampleId: string; onMask: (m: MaskData) => void }) {
  const api = useApi();
  const runs = useAsync(() => api.runs.list({}), [api]);
  const [runId, setRunId] = useState<number | ''>('');
  const [error, setError] = useState<string | null>(null);
  const usable = (runs.data ?? []).filter((r) => r.epochsCompleted > 0);
  const use = async () => {
    if (runId === '') return;
    setError(null);
    try {
      const m = await api.predictions.mask({ runId, datasetId, sampleId });
      onMask(await decodeMaskPng(m.png));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div className="use-prediction">
      <label className="inline">
        Prediction of
        <select value={runId} onChange={(e) => setRunId(e.target.value ? Number(e.target.value) : '')}>
          <option value="">choose a run</option>
          {usable.map((r) => (
            <option key={r.id} value={r.id}>
              #{r.id} {r.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={use} disabled={runId === ''}>
        Use prediction as label
      </button>
      <ErrorBox error={error} context={`Prediction for ${sampleId}`} />
    </div>
  );
}
