// One sample: the photo with its mask overlaid (opacity, fill/outline, zoom and pan) and the
// label editor (brush, eraser, flood fill, undo/redo, save). An unlabeled photo starts from an
// empty mask, so labeling from scratch is the same flow.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useMediaUrl } from '../../hooks/use-media';
import { decodeMaskPng, emptyMask, encodeMaskPng } from '../../labeling/mask-bitmap';
import { floodFill, paintSegment } from '../../labeling/mask-ops';
import { COLORS, type OverlayMode } from '../../labeling/overlay-pixels';
import { useMaskEditor } from '../../labeling/use-mask-editor';
import { useLabelShortcuts, type Tool } from '../../labeling/use-label-shortcuts';
import { ZoomPanStage, type StagePointer } from '../../components/ZoomPanStage';
import { MaskCanvas } from '../../components/MaskCanvas';
import { ErrorBox } from '../../components/ui';
import { hrefFor } from '../../router';
import { LabelToolbar } from './LabelToolbar';
import { OverlayControls } from './OverlayControls';
import { UsePrediction } from './UsePrediction';

export function SamplePage({ datasetId, sampleId }: { datasetId: number; sampleId: string }) {
  const api = useApi();
  const detail = useAsync(() => api.datasets.sample({ datasetId, sampleId }), [api, datasetId, sampleId]);
  const photo = useMediaUrl('image', { datasetId, sampleId });
  const editor = useMaskEditor();
  const [maskError, setMaskError] = useState<string | null>(null);
  const [tool, setTool] = useState<Tool>('view');
  const [brushSize, setBrushSize] = useState(16);
  const [opacity, setOpacity] = useState(0.5);
  const [mode, setMode] = useState<OverlayMode>('fill');
  const [saving, setSaving] = useState(false);
  const [saveMsg, setSaveMsg] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<{ x: number; y: number } | null>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const d = detail.data;
  // Stable layer list: hovering (cursor state) must not repaint the whole overlay.
  const layers = useMemo(() => (editor.mask ? [{ kind: 'mask' as const, mask: editor.mask, color: COLORS.truth, mode }] : []), [editor.mask, mode]);

  // The mask is loaded once per sample: a detail refreshed after a save (now labeled, one more
  // version) must not reload it over the editor and its undo history.
  const loadedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!d) return;
    const key = `${d.datasetId}/${d.id}`;
    if (loadedFor.current === key) return;
    loadedFor.current = key;
    setMaskError(null);
    if (!d.labeled) {
      editor.load(emptyMask(d.width, d.height));
      return;
    }
    api.datasets
      .readMask({ datasetId, sampleId })
      .then((m) => decodeMaskPng(m.png))
      .then(editor.load, (err: Error) => setMaskError(err.message));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [d, api, datasetId, sampleId]);

  const save = useCallback(async () => {
    if (!editor.mask || saving) return;
    setSaving(true);
    setSaveError(null);
    try {
      const png = await encodeMaskPng(editor.mask);
      const r = await api.datasets.saveMask({ datasetId, sampleId, png });
      editor.markSaved();
      // The photo is labeled now, and the replaced file is one more earlier version.
      const cur = detail.data;
      if (cur && cur.datasetId === datasetId && cur.id === sampleId) {
        detail.setData({
          ...cur,
          labeled: true,
          maskPath: r.maskPath,
          maskVersions: r.previousVersion ? [r.previousVersion, ...cur.maskVersions.filter((v) => v !== r.previousVersion)] : cur.maskVersions,
        });
      }
      setSaveMsg(`Saved to ${r.maskPath}${r.previousVersion ? ` (previous kept as ${r.previousVersion})` : ''}`);
    } catch (err) {
      setSaveError((err as Error).message);
    } finally {
      setSaving(false);
    }
  }, [api, datasetId, sampleId, editor, saving, detail]);

  useLabelShortcuts({
    setTool,
    resize: (delta) => setBrushSize((s) => Math.max(1, Math.min(120, s + delta * Math.max(1, Math.round(s * 0.2))))),
    undo: editor.undo,
    redo: editor.redo,
    save: () => void save(),
  });

  const onPointer = (p: StagePointer) => {
    const m = editor.mask;
    if (!m || tool === 'view') return;
    if (tool === 'fill') {
      if (p.phase !== 'down') return;
      editor.beginChange();
      if (floodFill(m, p.x, p.y, p.shift ? 0 : 1) > 0) editor.touch();
      else editor.undo();
      return;
    }
    const value = tool === 'brush' ? 1 : 0;
    if (p.phase === 'down') {
      editor.beginChange();
      paintSegment(m, p.x, p.y, p.x, p.y, brushSize, value);
      last.current = { x: p.x, y: p.y };
      editor.touch();
    } else if (p.phase === 'move' && last.current) {
      paintSegment(m, last.current.x, last.current.y, p.x, p.y, brushSize, value);
      last.current = { x: p.x, y: p.y };
      editor.touch();
    } else if (p.phase === 'up') last.current = null;
  };

  return (
    <div className="page sample-page">
      <header className="page-header">
        <a href={hrefFor({ page: 'datasets', datasetId })}>← Dataset</a>
        <h2>{sampleId}</h2>
        {d ? (
          <span className="muted">
            {d.split} · {d.width}×{d.height}
            {d.breed ? ` · ${d.species ?? ''} ${d.breed}` : ''} · {d.labeled ? 'labeled' : 'unlabeled — paint a label and save it'}
          </span>
        ) : null}
        <a className="button-link" href={hrefFor({ page: 'augment', datasetId, sampleId })}>
          Augmentation preview
        </a>
      </header>
      <ErrorBox error={detail.error} context={`Loading ${sampleId}`} />
      <ErrorBox error={photo.error} context={`Loading the photo ${sampleId}`} />
      <ErrorBox error={maskError} context={`Reading the mask of ${sampleId}`} />
      <LabelToolbar
        tool={tool}
        setTool={setTool}
        brushSize={brushSize}
        setBrushSize={setBrushSize}
        canUndo={editor.canUndo}
        canRedo={editor.canRedo}
        undo={editor.undo}
        redo={editor.redo}
        dirty={editor.dirty}
        saving={saving}
        save={() => void save()}
      />
      <div className="sample-layout">
        {d ? (
          <ZoomPanStage width={d.width} height={d.height} toolActive={tool !== 'view'} onPointer={onPointer} onHover={setCursor} label={`Photo ${sampleId} with its mask`}>
            {photo.url ? <img className="stage-photo" src={photo.url} alt={sampleId} draggable={false} /> : null}
            {editor.mask ? (
              <MaskCanvas
                width={d.width}
                height={d.height}
                layers={layers}
                opacity={opacity}
                version={editor.version}
                testId="mask-overlay"
              />
            ) : null}
            {cursor && (tool === 'brush' || tool === 'eraser') ? (
              <div className="brush-cursor" style={{ left: cursor.x - brushSize / 2, top: cursor.y - brushSize / 2, width: brushSize, height: brushSize }} />
            ) : null}
          </ZoomPanStage>
        ) : (
          <div className="stage-wrap" />
        )}
        <aside className="sample-side">
          <OverlayControls opacity={opacity} setOpacity={setOpacity} mode={mode} setMode={setMode} />
          <UsePrediction datasetId={datasetId} sampleId={sampleId} onMask={editor.replace} />
          {d?.maskVersions.length ? (
            <details>
              <summary>{d.maskVersions.length} earlier mask version(s)</summary>
              <ul>
                {d.maskVersions.map((v) => (
                  <li key={v}>
                    <code>{v}</code>
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          <p className="muted small" data-testid="undo-state">
            {editor.canUndo ? 'Unsaved strokes can be undone.' : 'Nothing to undo.'}
          </p>
          {saveMsg ? (
            <p className="ok-box" role="status">
              {saveMsg}
            </p>
          ) : null}
          <ErrorBox error={saveError} context={`Saving the mask of ${sampleId}`} />
        </aside>
      </div>
    </div>
  );
}
