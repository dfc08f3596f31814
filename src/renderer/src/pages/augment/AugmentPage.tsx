// Augmentation preview: a sample, N augmented versions of it from datasets.augmentPreview, the
// settings panel, reseed, and "use these settings" into the run form.
import { useEffect, useState } from 'react';
import type { AugmentPreviewItem } from '../../../../shared/contract';
import { useApi, useApp } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { navigate } from '../../router';
import { EmptyState, ErrorBox } from '../../components/ui';
import { AugmentPanel } from './AugmentPanel';
import { AugmentGrid } from './AugmentGrid';
import { useAugmentState } from './augment-state';

/** The preview's square side (a run trains at its own input size, 256 by default). */
const PREVIEW_SIZE = 192;

export function AugmentPage({ datasetId, sampleId }: { datasetId?: number; sampleId?: string }) {
  const api = useApi();
  const { datasets, augmentDraft, setAugmentDraft } = useApp();
  const dsId = datasetId ?? datasets[0]?.id;
  const samples = useAsync(() => (dsId ? api.datasets.samples({ datasetId: dsId, labeled: true, limit: 500 }) : null), [api, dsId]);
  const [chosen, setChosen] = useState<string | undefined>(sampleId);
  const current = chosen ?? samples.data?.items[0]?.id;
  const aug = useAugmentState(augmentDraft);
  const [seed, setSeed] = useState(1);
  const [count, setCount] = useState(8);
  const [opacity, setOpacity] = useState(0.4);
  const [showMask, setShowMask] = useState(true);
  const [items, setItems] = useState<AugmentPreviewItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => setChosen(sampleId), [sampleId]);

  // Re-preview shortly after the settings stop changing (dragging a slider sends many changes).
  useEffect(() => {
    if (!dsId || !current || !aug.valid) return;
    let live = true;
    const t = setTimeout(() => {
      setBusy(true);
      api.datasets
        .augmentPreview({ datasetId: dsId, sampleId: current, augment: aug.effective, seed, count, size: PREVIEW_SIZE })
        .then(
          (r) => {
            if (!live) return;
            setItems(r.items);
            setError(null);
          },
          (err: Error) => live && setError(err.message),
        )
        .finally(() => live && setBusy(false));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, dsId, current, aug.effective, aug.valid, seed, count]);

  if (!dsId) {
    return (
      <div className="page">
        <h2>Augmentation preview</h2>
        <EmptyState title="Open a dataset first">
          <p>
            The preview augments one of your labeled photos. Open a folder on the <a href="#/datasets">Datasets</a> page.
          </p>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="page augment-page">
      <header className="page-header">
        <h2>Augmentation preview</h2>
        <label className="inline">
          Dataset
          <select value={dsId} onChange={(e) => navigate({ page: 'augment', datasetId: Number(e.target.value) })}>
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Sample
          <select value={current ?? ''} onChange={(e) => setChosen(e.target.value)} aria-label="Sample to augment">
            {current && !samples.data?.items.some((s) => s.id === current) ? <option value={current}>{current}</option> : null}
            {(samples.data?.items ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Versions
          <input type="number" min={1} max={16} value={count} onChange={(e) => setCount(Math.max(1, Math.min(16, Number(e.target.value) || 1)))} />
        </label>
        <button type="button" onClick={aug.reset} title="Every augmentation setting back to what a run uses when none is set">
          Reset to defaults
        </button>
        <button type="button" onClick={() => setSeed((s) => s + 1)}>
          Reseed <span className="muted">({seed})</span>
        </button>
        <button
          type="button"
          className="primary"
          disabled={!aug.valid}
          onClick={() => {
            setAugmentDraft(aug.effective);
            navigate({ page: 'new-run' });
          }}
        >
          Use these settings
        </button>
      </header>
      <ErrorBox error={samples.error} context="Listing labeled samples" />
      {samples.data && samples.data.items.length === 0 ? (
        <EmptyState title="This dataset has no labeled photos">
          <p>Label a photo on its sample page first; the preview needs a mask to augment alongside the photo.</p>
        </EmptyState>
      ) : null}
      <div className="augment-layout">
        <AugmentPanel config={aug.config} onChange={aug.setConfig} on={aug.on} setOn={aug.setOn} errors={aug.errors} />
        <section className="augment-results" aria-busy={busy}>
          <div className="row">
            <label className="inline">
              <input type="checkbox" checked={showMask} onChange={(e) => setShowMask(e.target.checked)} /> Show mask
            </label>
            <label className="inline">
              Mask opacity
              <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
            </label>
            {busy ? <span className="muted">augmenting…</span> : null}
          </div>
          <p className="muted small augment-note" data-testid="augment-aspect-note">
            Training resizes every photo to a square of the run's input size (this preview: {PREVIEW_SIZE}×{PREVIEW_SIZE}) without keeping its aspect ratio, so
            portrait and landscape photos look squashed or stretched here: that is how the model sees them.
          </p>
          <ErrorBox error={error} context={current ? `Augmenting ${current}` : undefined} />
          <AugmentGrid items={items} opacity={opacity} showMask={showMask} />
        </section>
      </div>
    </div>
  );
}
