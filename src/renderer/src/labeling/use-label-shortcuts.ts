// Keyboard shortcuts of the label editor (shown in its toolbar): B brush, E eraser, F fill,
// C click-to-segment, V view/pan, [ and ] brush size, Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo, Ctrl+S save.
// Ignored while typing in a form field so a run name containing "b" does not switch tools
// (except Ctrl+S, which no field uses).
import { useEffect, useRef } from 'react';

export type Tool = 'view' | 'brush' | 'eraser' | 'fill' | 'click';

export interface ShortcutActions {
  setTool: (t: Tool) => void;
  resize: (delta: number) => void;
  undo: () => void;
  redo: () => void;
  save: () => void;
}

export function useLabelShortcuts(actions: ShortcutActions): void {
  const ref = useRef(actions);
  ref.current = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const a = ref.current;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      // No form field has a Ctrl+S of its own: save the mask even from the run picker or a slider,
      // rather than letting the browser open its "save page" dialog.
      if (mod && k === 's') {
        e.preventDefault();
        a.save();
        return;
      }
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') && (t as HTMLInputElement).type !== 'range') return;
      if (mod && k === 'z') a[e.shiftKey ? 'redo' : 'undo']();
      else if (mod && k === 'y') a.redo();
      else if (mod || e.altKey) return;
      else if (k === 'b') a.setTool('brush');
      else if (k === 'e') a.setTool('eraser');
      else if (k === 'f') a.setTool('fill');
      else if (k === 'c') a.setTool('click');
      else if (k === 'v') a.setTool('view');
      else if (e.key === '[') a.resize(-1);
      else if (e.key === ']') a.resize(1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
