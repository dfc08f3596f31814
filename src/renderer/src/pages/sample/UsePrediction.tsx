// A run's prediction of this photo next to its label: choosing a run loads its predicted mask as
// a second overlay (its own colour, can be hidden) with its Dice against the label as it is now,
// so the user can compare before "Use prediction as label" replaces the label (one undoable
// change). A run that has not predicted the photo's split yet can do so from here.
import { useEffect, useMemo, useState } from 'react';
import type { SplitName } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { decodeMaskPng, type MaskData } from '../../labeling/mask-bitmap';
import { diceOf } from '../../labeling/mask-ops';
import { COLORS } from '../../labeling/overlay-pixels';
import { ErrorBox, fmtDice } from '../../components/ui';

interface Props {
  datasetId: number;
  sampleId: string;
  /** The photo's split when it is labeled (a prediction run covers the labeled photos of a split). */
  split: SplitName | null;
  /** The label being edited and its change counter (the Dice follows the edits). */
  label: MaskData | null;
  labelVersion: number;
  prediction: MaskData | null;
  setPrediction: (m: MaskData | null) => void;
  showPrediction: boolean;
  setShowPrediction: (v: boolean) => void;
  /** The prediction of run `runId` becomes the label. */
  onAdopt: (m: MaskData, runId: number) => void;
}

const swatch = (c: readonly number[]) => ({ background: `rgb(${c.join(',')})` });

export function UsePrediction(p: Props) {
  const api = useApi();
  const runs = useAsync(() => api.runs.list({}), [api]);
  const [runId, setRunId] = useState<number | ''>('');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const usable = (runs.data ?? []).filter((r) => r.epochsCompleted > 0);
  const { setPrediction, datasetId, sampleId } = p;

  useEffect(() => {
    setPrediction(null);
    setMissing(false);
    setError(null);
    if (runId === '') return;
    let live = true;
    api.predictions
      .mask({ runId, datasetId, sampleId })
      .then((m) => decodeMaskPng(m.png))
      .then(
        (m) => live && setPrediction(m),
        (err: Error & { code?: string }) => {
          if (!live) return;
          if (err.code === 'NOT_FOUND') setMissing(true);
          else setError(err.message);
        },
      );
    return () => {
      live = false;
    };
  }, [api, runId, datasetId, sampleId, setPrediction, tick]);

  const predictSplit = async () => {
    if (runId === '' || !p.split) return;
    setBusy(true);
    setError(null);
    try {
      await api.predictions.run({ runId, datasetId, split: p.split });
      setTick((t) => t + 1);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const sameSize = Boolean(p.prediction && p.label && p.prediction.width === p.label.width && p.prediction.height === p.label.height);
  // The label is edited in place: labelVersion says when to recompute (not every hover render).
  const { prediction, label, labelVersion } = p;
  const dice = useMemo(() => (sameSize ? diceOf(prediction!, label!) : null), [sameSize, prediction, label, labelVersion]);

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
      {p.prediction ? (
        <>
          <label className="inline">
            <input type="checkbox" checked={p.showPrediction} onChange={(e) => p.setShowPrediction(e.target.checked)} /> Show prediction
            <span className="legend-swatch" style={swatch(COLORS.predicted)} aria-hidden="true" />
          </label>
          <p className="small" data-testid="prediction-dice">
            Dice with the label: <strong className="num">{fmtDice(dice)}</strong>{' '}
            <span className="muted">
              (<span className="legend-swatch" style={swatch(COLORS.truth)} aria-hidden="true" /> label,{' '}
              <span className="legend-swatch" style={swatch(COLORS.predicted)} aria-hidden="true" /> prediction)
            </span>
          </p>
        </>
      ) : null}
      {missing ? (
        <p className="muted small" data-testid="prediction-missing">
          Run #{runId} has not predicted this photo yet.{' '}
          {p.split ? (
            <button type="button" onClick={() => void predictSplit()} disabled={busy}>
              {busy ? 'Predicting…' : `Predict the ${p.split} split`}
            </button>
          ) : (
            'Predictions cover labeled photos; use the Predictions page for its split.'
          )}
        </p>
      ) : null}
      <button type="button" onClick={() => p.prediction && runId !== '' && p.onAdopt(p.prediction, runId)} disabled={!p.prediction || !sameSize}>
        Use prediction as label
      </button>
      <ErrorBox error={error} context={`Prediction for ${sampleId}`} />
    </div>
  );
}
