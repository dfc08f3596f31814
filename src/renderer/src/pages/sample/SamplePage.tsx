// One sample: the photo with its mask overlaid (opacity, fill/outline, zoom and pan) and the
// label editor (brush, eraser, flood fill, undo/redo, save). An unlabeled photo starts from an
// empty mask, so labeling from scratch is the same flow. Unsaved edits are kept as a draft and
// every way out of the page asks first (use-label-draft, use-leave-guard); a run's prediction can
// be shown as a second overlay with its Dice against the label (UsePrediction). The click tool
// asks a click-to-segment run for the mask (use-click-segmentation); each save carries the
// effort behind it (use-label-effort).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useMediaUrl } from '../../hooks/use-media';
import { decodeMaskPng, emptyMask, encodeMaskPng, type MaskData } from '../../labeling/mask-bitmap';
import { floodFill, paintSegment } from '../../labeling/mask-ops';
import { COLORS, type OverlayMode } from '../../labeling/overlay-pixels';
import { useMaskEditor } from '../../labeling/use-mask-editor';
import { useLabelShortcuts, type Tool } from '../../labeling/use-label-shortcuts';
import { useLabelDraft } from '../../labeling/use-label-draft';
import { useLeaveGuard } from '../../labeling/use-leave-guard';
import { QueueNextButton } from './QueueNextButton';
import { useClickSegmentation } from '../../labeling/use-click-segmentation';
import { useLabelEffort } from '../../labeling/use-label-effort';
import { asClickSession } from '../../labeling/click-session';
import { ZoomPanStage, type StagePointer } from '../../components/ZoomPanStage';
import { MaskCanvas } from '../../components/MaskCanvas';
import { ErrorBox } from '../../components/ui';
import { hrefFor } from '../../router';
import { LabelToolbar } from './LabelToolbar';
import { OverlayControls } from './OverlayControls';
import { UsePrediction } from './UsePrediction';
import { LeaveDialog } from './LeaveDialog';
import { ClickModelPanel } from './ClickModelPanel';
import { ClickMarkers } from './ClickMarkers';

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
  const [prediction, setPrediction] = useState<MaskData | null>(null);
  const [showPrediction, setShowPrediction] = useState(true);
  const last = useRef<{ x: number; y: number } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const d = detail.data;
  // Stable layer list: hovering (cursor state) must not repaint the whole overlay.
  const layers = useMemo(() => (editor.mask ? [{ kind: 'mask' as const, mask: editor.mask, color: COLORS.truth, mode }] : []), [editor.mask, mode]);
  const predictionLayers = useMemo(() => (prediction ? [{ kind: 'mask' as const, mask: prediction, color: COLORS.predicted, mode }] : []), [prediction, mode]);
  const draft = useLabelDraft(datasetId, sampleId, d?.imagePath, editor);
  const effort = useLabelEffort(`${datasetId}/${sampleId}`);
  const clicker = useClickSegmentation({ datasetId, sampleId, editor, onAnswer: effort.noteClickAnswer });

  // Opening a sample moves the focus to its heading, so a keyboard or screen-reader user starts
  // on the new page rather than on the link that was left behind.
  useEffect(() => heading.current?.focus(), []);

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

  const save = useCallback(async (): Promise<boolean> => {
    if (!editor.mask || saving) return false;
    setSaving(true);
    setSaveError(null);
    try {
      // The pixels encoded now are what the file will hold, even if a stroke lands meanwhile.
      const snapshot = editor.mask.data.slice();
      const png = await encodeMaskPng({ ...editor.mask, data: snapshot });
      const r = await api.datasets.saveMask({ datasetId, sampleId, png, effort: effort.effortFor(snapshot, asClickSession(editor.attachment, clicker.runId)?.answer) });
      effort.saved();
      editor.markSaved(snapshot);
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
      return true;
    } catch (err) {
      setSaveError((err as Error).message);
      return false;
    } finally {
      setSaving(false);
    }
  }, [api, datasetId, sampleId, editor, saving, detail, effort, clicker.runId]);

  const leave = useLeaveGuard({ dirty: editor.dirty, flush: draft.flush, discard: draft.discard, save });

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
    if (tool === 'click') {
      // Left click: object; right click (its menu is prevented) or Shift+click: background.
      if (p.phase === 'down' && p.x >= 0 && p.y >= 0 && p.x < m.width && p.y < m.height) clicker.click(p.x, p.y, !(p.button === 2 || p.shift));
      return;
    }
    if (p.button !== 0) return;
    if (tool === 'fill') {
      if (p.phase !== 'down') return;
      editor.beginChange();
      if (floodFill(m, p.x, p.y, p.shift ? 0 : 1) > 0) {
        editor.touch();
        effort.noteStroke();
      } else editor.undo();
      return;
    }
    const value = tool === 'brush' ? 1 : 0;
    if (p.phase === 'down') {
      editor.beginChange();
      paintSegment(m, p.x, p.y, p.x, p.y, brushSize, value);
      last.current = { x: p.x, y: p.y };
      editor.touch();
      effort.noteStroke();
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
        <h2 ref={heading} tabIndex={-1}>
          {sampleId}
        </h2>
        {d ? (
          <span className="muted">
            {d.split} · {d.width}×{d.height}
            {d.breed ? ` · ${d.species ?? ''} ${d.breed}` : ''} · {d.labeled ? 'labeled' : 'unlabeled — paint a label and save it'}
          </span>
        ) : null}
        <a className="button-link" href={hrefFor({ page: 'augment', datasetId, sampleId })}>
          Augmentation preview
        </a>
        <QueueNextButton datasetId={datasetId} sampleId={sampleId} />
      </header>
      <ErrorBox error={detail.error} context={`Loading ${sampleId}`} />
      <ErrorBox error={photo.error} context={`Loading the photo ${sampleId}`} />
      <ErrorBox error={maskError} context={`Reading the mask of ${sampleId}`} />
      {draft.offer ? (
        <div className="draft-offer" role="status" data-testid="draft-offer">
          Unsaved edits of this label from {new Date(draft.offer.savedAt).toLocaleString()} were kept.
          <button type="button" className="primary" onClick={draft.restore}>
            Restore them
          </button>
          <button type="button" onClick={draft.dismiss}>
            Discard them
          </button>
        </div>
      ) : null}
      {leave ? <LeaveDialog pending={leave} sampleId={sampleId} /> : null}
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
            {prediction && showPrediction && prediction.width === d.width && prediction.height === d.height ? (
              <MaskCanvas width={d.width} height={d.height} layers={predictionLayers} opacity={opacity} testId="prediction-overlay" />
            ) : null}
            {tool === 'click' || clicker.clicks.length ? <ClickMarkers clicks={clicker.clicks} width={d.width} height={d.height} /> : null}
            {cursor && (tool === 'brush' || tool === 'eraser') ? (
              <div className="brush-cursor" style={{ left: cursor.x - brushSize / 2, top: cursor.y - brushSize / 2, width: brushSize, height: brushSize }} />
            ) : null}
          </ZoomPanStage>
        ) : (
          <div className="stage-wrap" />
        )}
        <aside className="sample-side">
          <OverlayControls opacity={opacity} setOpacity={setOpacity} mode={mode} setMode={setMode} />
          <ClickModelPanel datasetId={datasetId} clicker={clicker} active={tool === 'click'} />
          <UsePrediction
            datasetId={datasetId}
            sampleId={sampleId}
            split={d?.labeled ? d.split : null}
            label={editor.mask}
            labelVersion={editor.version}
            prediction={prediction}
            setPrediction={setPrediction}
            showPrediction={showPrediction}
            setShowPrediction={setShowPrediction}
            onAdopt={(m, runId) => {
              editor.replace(m);
              effort.notePredictionAdopted(runId, m.data);
            }}
          />
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
            {editor.dirty ? 'Unsaved strokes can be undone.' : editor.canUndo ? 'All edits are saved.' : 'Nothing to undo.'}
          </p>
          {saveMsg ? (
            // A long path wraps (title has it whole) rather than being cut at the panel's edge.
            <p className="ok-box save-msg" role="status" title={saveMsg}>
              {saveMsg}
            </p>
          ) : null}
          <ErrorBox error={saveError} context={`Saving the mask of ${sampleId}`} />
        </aside>
      </div>
    </div>
  );
}
