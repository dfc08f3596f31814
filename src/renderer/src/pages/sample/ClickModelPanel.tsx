// The click tool's side panel: which click-to-segment run answers (remembered per dataset), how
// long the last click took, and, when the studio has no click model yet, a button that trains
// one from the labels the dataset already has.
import { useState } from 'react';
import { useApi } from '../../app-context';
import { ErrorBox, fmtDice } from '../../components/ui';
import type { ClickSegmentation } from '../../labeling/use-click-segmentation';
import { hrefFor } from '../../router';

/**
 * The click model trained from the editor: UNet base 16 at 256² answers a click in tens of
 * milliseconds on a 2-core CPU (docs/interactive.md), and a time budget keeps the run short; the
 * user can train bigger ones from the run form.
 */
export const CLICK_MODEL_CONFIG = {
  model: 'unet',
  base: 16,
  size: 256,
  batchSize: 8,
  learningRate: 2e-3,
  epochs: 60,
  minutes: 20,
  interactive: { enabled: true, clickRadius: 5, maxIterations: 3 },
} as const;

export function ClickModelPanel({ datasetId, clicker, active }: { datasetId: number; clicker: ClickSegmentation; active: boolean }) {
  const api = useApi();
  const [started, setStarted] = useState<number | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const { runs, runId, last } = clicker;

  const train = async () => {
    setStarting(true);
    setStartError(null);
    try {
      const dataset = (await api.datasets.list()).find((d) => d.id === datasetId);
      if (!dataset) throw new Error(`dataset ${datasetId} is not open`);
      const { runId: id } = await api.runs.start({
        config: { ...CLICK_MODEL_CONFIG, data: dataset.root },
        name: `click model · ${dataset.name}`,
      });
      setStarted(id);
    } catch (err) {
      setStartError((err as Error).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <div className="click-model" data-testid="click-model">
      {runs && runs.length > 0 ? (
        <label className="inline">
          Click model
          <select value={runId ?? ''} onChange={(e) => clicker.chooseRun(e.target.value ? Number(e.target.value) : null)} aria-label="Click model" style={{ maxWidth: '100%' }}>
            {runs.map((r) => (
              <option key={r.runId} value={r.runId}>
                #{r.runId} {r.name} · {r.model} b{r.base} {r.size}² · {r.epochsCompleted} ep · Dice {fmtDice(r.bestValidDice)}
                {r.sameDataset ? '' : ' (other data)'}
              </option>
            ))}
          </select>
        </label>
      ) : runs ? (
        <p className="muted small" data-testid="no-click-model">
          No click-to-segment model yet.{' '}
          {started ? (
            <span role="status">
              Training <a href={hrefFor({ page: 'run', runId: started })}>run #{started}</a>; it answers clicks here after its first epoch.
            </span>
          ) : (
            <button type="button" onClick={() => void train()} disabled={starting}>
              {starting ? 'Starting…' : 'Train a click model from the labels'}
            </button>
          )}
        </p>
      ) : null}
      {active ? (
        <p className="muted small">Left click: object · right click or Shift+click: background · Ctrl+Z takes a click back · then Brush/Eraser/Fill to finish.</p>
      ) : null}
      {last ? (
        <p className="small" data-testid="click-latency" data-server-ms={last.serverMs.toFixed(1)} data-round-trip-ms={last.roundTripMs.toFixed(1)}>
          Last click: <strong className="num">{Math.round(last.serverMs)} ms</strong> in the studio ({Math.round(last.modelMs)} ms model),{' '}
          {Math.round(last.roundTripMs)} ms until shown{last.cold ? ' (first click: model and photo loaded)' : ''}
          {last.checkpointEpoch !== null ? ` · model of epoch ${last.checkpointEpoch}` : ''}
        </p>
      ) : null}
      {clicker.pending ? <p className="muted small" role="status">Segmenting…</p> : null}
      <ErrorBox error={clicker.error} context="Click to segment" />
      <ErrorBox error={clicker.runsError} context="Listing click models" />
      <ErrorBox error={startError} context="Starting a click model run" />
    </div>
  );
}
