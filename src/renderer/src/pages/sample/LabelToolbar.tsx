// Tool buttons with their shortcuts written on them, brush size, undo/redo and save.
import type { Tool } from '../../labeling/use-label-shortcuts';

interface Props {
  tool: Tool;
  setTool: (t: Tool) => void;
  brushSize: number;
  setBrushSize: (n: number) => void;
  canUndo: boolean;
  canRedo: boolean;
  undo: () => void;
  redo: () => void;
  dirty: boolean;
  saving: boolean;
  save: () => void;
}

const TOOLS: Array<{ id: Tool; label: string; key: string }> = [
  { id: 'view', label: 'Pan', key: 'V' },
  { id: 'brush', label: 'Brush', key: 'B' },
  { id: 'eraser', label: 'Eraser', key: 'E' },
  { id: 'fill', label: 'Fill', key: 'F' },
  { id: 'click', label: 'Click', key: 'C' },
];

export function LabelToolbar(p: Props) {
  return (
    <div className="label-toolbar" role="toolbar" aria-label="Label tools">
      <div className="segmented" role="radiogroup" aria-label="Tool">
        {TOOLS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="radio"
            aria-checked={p.tool === t.id}
            className={p.tool === t.id ? 'active' : ''}
            onClick={() => p.setTool(t.id)}
            aria-keyshortcuts={t.key}
            title={`${t.label} (${t.key})`}
          >
            {t.label} <kbd>{t.key}</kbd>
          </button>
        ))}
      </div>
      <label className="inline">
        Size <kbd>[</kbd>
        <input type="range" min={1} max={120} value={p.brushSize} onChange={(e) => p.setBrushSize(Number(e.target.value))} aria-label="Brush size" />
        <kbd>]</kbd> <span className="num">{p.brushSize}px</span>
      </label>
      <button type="button" onClick={p.undo} disabled={!p.canUndo} aria-keyshortcuts="Control+Z" title="Undo (Ctrl+Z)">
        Undo <kbd>Ctrl+Z</kbd>
      </button>
      <button type="button" onClick={p.redo} disabled={!p.canRedo} aria-keyshortcuts="Control+Shift+Z" title="Redo (Ctrl+Shift+Z)">
        Redo <kbd>Ctrl+Shift+Z</kbd>
      </button>
      <button type="button" className="primary" onClick={p.save} disabled={!p.dirty || p.saving} aria-keyshortcuts="Control+S">
        {p.saving ? 'Saving…' : p.dirty ? 'Save mask' : 'Saved'} <kbd>Ctrl+S</kbd>
      </button>
      <span className="muted small">Fill paints the region under the cursor as pet; Shift+click fills it as background. Click: left adds the object, right adds background. Hold Space to pan.</span>
    </div>
  );
}
