// Predictions: choose a run, dataset and split; predict (or show the stored prediction); browse
// photos with predicted and true masks, sorted by Dice (worst first); export the masks.
import { useEffect, useMemo, useState } from 'react';
import type { PredictionResult, SplitName } from '../../../../shared/contract';
import { useApi, useApp } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { navigate } from '../../router';
import { EmptyState, ErrorBox, fmtDice } from '../../components/ui';
import { PredictionCard, type CompareView } from './PredictionCard';
import { ExportMasks } from './ExportMasks';
import { useExportFolders } from '../../hooks/use-export-folders';

const PAGE = 24;

export function PredictionsPage({ runId, datasetId }: { runId?: number; datasetId?: number }) {
  const api = useApi();
  const { datasets } = useApp();
  const runs = useAsync(() => api.runs.list({}), [api]);
  const usable = (runs.data ?? []).filter((r) => r.epochsCompleted > 0);
  const run = usable.find((r) => r.id === runId) ?? (runId === undefined ? usable[0] : undefined);
  const dataset = datasets.find((d) => d.id === datasetId) ?? datasets.find((d) => d.root === run?.datasetPath) ?? datasets[0];
  const [split, setSplit] = useState<SplitName>('test');
  // On by default, as in eval and predict: it raised test Dice on every checkpoint of docs/quality.md, for twice the time.
  const [tta, setTta] = useState(true);
  // Off by default: the photos at three sizes (shared/tta-sizes.ts) cost about 3× the mirror average alone.
  const [multiScale, setMultiScale] = useState(false);
  const [result, setResult] = useState<PredictionResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [view, setView] = useState<CompareView>('both');
  const [opacity, setOpacity] = useState(0.5);
  const [page, setPage] = useState(0);
  const exportFolders = useExportFolders();

  useEffect(() => {
    setResult(null);
    setPage(0);
    if (!run || !dataset) return;
    let live = true;
    api.predictions.list({ runId: run.id, datasetId: dataset.id, split }).then(
      (r) => live && setResult(r),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [api, run?.id, dataset?.id, split]); // eslint-disable-line react-hooks/exhaustive-deps

  const predict = async () => {
    if (!run || !dataset) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await api.predictions.run({ runId: run.id, datasetId: dataset.id, split, tta, ttaSizes: multiScale ? 'auto' : undefined }));
      setPage(0);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const sorted = useMemo(() => [...(result?.items ?? [])].sort((a, b) => (order === 'asc' ? a.dice - b.dice : b.dice - a.dice)), [result, order]);
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE));
  const shown = sorted.slice(page * PAGE, page * PAGE + PAGE);

  if (runs.data && !usable.length) {
    return (
      <div className="page">
        <h2>Predictions</h2>
        <EmptyState title="No trained run yet">
          <p>
            Predictions use a run's best checkpoint. Start a run from <a href="#/new-run">New run</a> and let it finish at least one epoch.
          </p>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="page predictions-page">
      <header className="page-header">
        <h2>Predictions</h2>
        <label className="inline">
          Run
          <select value={run?.id ?? ''} onChange={(e) => navigate({ page: 'predictions', runId: Number(e.target.value), datasetId: dataset?.id })}>
            {usable.map((r) => (
              <option key={r.id} value={r.id}>
                #{r.id} {r.name} (best {fmtDice(r.bestValidDice)})
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Dataset
          <select value={dataset?.id ?? ''} onChange={(e) => navigate({ page: 'predictions', runId: run?.id, datasetId: Number(e.target.value) })}>
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Split
          <select value={split} onChange={(e) => setSplit(e.target.value as SplitName)}>
            <option value="train">train</option>
            <option value="valid">validation</option>
            <option value="test">test</option>
          </select>
        </label>
        <label className="inline" title="Average each prediction with that of the mirrored photo (about twice the time)">
          <input type="checkbox" data-testid="predict-tta" checked={tta} onChange={(e) => setTta(e.target.checked)} />
          Mirror-averaged (TTA)
        </label>
        <label className="inline" title="Also average over the photo at 0.875×, 1× and 1.5× the training size (about 3× the time)">
          <input type="checkbox" data-testid="predict-multiscale" checked={multiScale} onChange={(e) => setMultiScale(e.target.checked)} />
          Multi-scale
        </label>
        <button type="button" className="primary" onClick={predict} disabled={busy || !run || !dataset}>
          {busy ? 'Predicting…' : result?.items.length ? 'Predict again' : 'Predict'}
        </button>
      </header>
      <ErrorBox error={runs.error} context="Listing runs" />
      <ErrorBox error={error} context={run && dataset ? `Run #${run.id} on ${dataset.name} (${split})` : undefined} />
      {result && result.items.length ? (
        <>
          <div className="row prediction-summary">
            <strong data-testid="mean-dice">
              Mean Dice {fmtDice(result.meanDice)} over {result.items.length} images
            </strong>
            <label className="inline">
              Sort
              <select value={order} onChange={(e) => setOrder(e.target.value as 'asc' | 'desc')}>
                <option value="asc">worst first</option>
                <option value="desc">best first</option>
              </select>
            </label>
            <div className="segmented" role="radiogroup" aria-label="Overlay">
              {(['both', 'predicted', 'truth', 'difference'] as const).map((v) => (
                <button key={v} type="button" role="radio" aria-checked={view === v} className={view === v ? 'active' : ''} onClick={() => setView(v)}>
                  {v}
                </button>
              ))}
            </div>
            <label className="inline">
              Opacity
              <input type="range" min={0.1} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
            </label>
          </div>
          <p className="legend small">
            {view === 'difference' ? (
              <>
                <span className="swatch" style={{ background: 'rgb(40,180,90)' }} /> both pet <span className="swatch" style={{ background: 'rgb(230,60,60)' }} /> predicted only
                (false positive) <span className="swatch" style={{ background: 'rgb(60,110,240)' }} /> missed (false negative)
              </>
            ) : (
              <>
                <span className="swatch" style={{ background: 'rgb(0,200,255)' }} /> predicted <span className="swatch" style={{ background: 'rgb(255,170,0)' }} /> true
                {view === 'both' ? ' (outline)' : ''}
              </>
            )}
          </p>
          <div className="prediction-grid">
            {shown.map((it) => (
              <PredictionCard key={it.sampleId} runId={result.runId} datasetId={result.datasetId} sampleId={it.sampleId} dice={it.dice} view={view} opacity={opacity} />
            ))}
          </div>
          {pages > 1 ? (
            <nav className="row pager" aria-label="Pages">
              <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
                Previous
              </button>
              <span>
                Page {page + 1} of {pages}
              </span>
              <button type="button" disabled={page >= pages - 1} onClick={() => setPage((p) => p + 1)}>
                Next
              </button>
            </nav>
          ) : null}
          {exportFolders ? (
            <ExportMasks key={`${result.runId}-${result.datasetId}-${split}`} runId={result.runId} datasetId={result.datasetId} split={split} defaultFolder={exportFolders.masks(result.runId, split)} />
          ) : null}
        </>
      ) : result && !busy ? (
        <EmptyState title={`No prediction of the ${split} split yet`}>
          <p>Press Predict to score every labeled {split} image with this run's best checkpoint.</p>
        </EmptyState>
      ) : null}
    </div>
  );
}
