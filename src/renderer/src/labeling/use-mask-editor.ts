// The label being edited plus its history. The mask array is mutated in place during a stroke
// (copying 200k pixels per pointer move would stutter); a snapshot is pushed once per stroke,
// so one undo removes one whole stroke. "Dirty" compares the mask with the last saved one, so
// undoing back to the saved state (a stroke, or an adopted prediction) shows it saved again.
// Each state may carry an attachment (the click tool's clicks so far) that undo and redo restore
// with the pixels, so undoing a click also takes the click back.
import { useCallback, useMemo, useRef, useState } from 'react';
import type { MaskData } from './mask-bitmap';

const HISTORY_LIMIT = 60;

export interface MaskEditor {
  mask: MaskData | null;
  /** Bumps on every change (overlay repaint key). */
  version: number;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** What the current state carries besides its pixels (e.g. the click session); null after load. */
  attachment: unknown;
  /** Replaces the mask and clears history (a freshly loaded label). */
  load: (m: MaskData) => void;
  /** Starts an undoable change; call before mutating `mask.data`. */
  beginChange: () => void;
  /** Repaints after in-place mutation. */
  touch: () => void;
  /** Replaces the whole mask as one undoable change (e.g. "use prediction"); `attachment` replaces the current one (default null). */
  replace: (m: MaskData, attachment?: unknown) => void;
  undo: () => void;
  redo: () => void;
  /** The saved file now holds `saved` (the pixels that were encoded), or the current mask. */
  markSaved: (saved?: Uint8Array) => void;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function useMaskEditor(): MaskEditor {
  const maskRef = useRef<MaskData | null>(null);
  const undoStack = useRef<Array<{ data: Uint8Array; attachment: unknown }>>([]);
  const redoStack = useRef<Array<{ data: Uint8Array; attachment: unknown }>>([]);
  const attachment = useRef<unknown>(null);
  const savedData = useRef<Uint8Array | null>(null);
  const [version, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  const load = useCallback((m: MaskData) => {
    maskRef.current = m;
    savedData.current = m.data.slice();
    attachment.current = null;
    undoStack.current = [];
    redoStack.current = [];
    setVersion((v) => v + 1);
  }, []);

  const beginChange = useCallback(() => {
    const m = maskRef.current;
    if (!m) return;
    undoStack.current.push({ data: m.data.slice(), attachment: attachment.current });
    if (undoStack.current.length > HISTORY_LIMIT) undoStack.current.shift();
    redoStack.current = [];
  }, []);

  const replace = useCallback(
    (next: MaskData, nextAttachment: unknown = null) => {
      const m = maskRef.current;
      if (m) {
        undoStack.current.push({ data: m.data.slice(), attachment: attachment.current });
        if (undoStack.current.length > HISTORY_LIMIT) undoStack.current.shift();
        redoStack.current = [];
        m.data.set(next.data);
      } else maskRef.current = next;
      attachment.current = nextAttachment;
      bump();
    },
    [bump],
  );

  const undo = useCallback(() => {
    const m = maskRef.current;
    const prev = undoStack.current.pop();
    if (!m || !prev) return;
    redoStack.current.push({ data: m.data.slice(), attachment: attachment.current });
    m.data.set(prev.data);
    attachment.current = prev.attachment;
    bump();
  }, [bump]);

  const redo = useCallback(() => {
    const m = maskRef.current;
    const next = redoStack.current.pop();
    if (!m || !next) return;
    undoStack.current.push({ data: m.data.slice(), attachment: attachment.current });
    m.data.set(next.data);
    attachment.current = next.attachment;
    bump();
  }, [bump]);

  const markSaved = useCallback(
    (saved?: Uint8Array) => {
      const m = maskRef.current;
      if (!m) return;
      savedData.current = saved ?? m.data.slice();
      bump();
    },
    [bump],
  );

  // Once per change (not per hover render): a full compare of ~200k bytes.
  const dirty = useMemo(() => {
    const m = maskRef.current;
    return Boolean(m && savedData.current && !sameBytes(m.data, savedData.current));
  }, [version]);

  return {
    mask: maskRef.current,
    version,
    dirty,
    canUndo: undoStack.current.length > 0,
    canRedo: redoStack.current.length > 0,
    attachment: attachment.current,
    load,
    beginChange,
    touch: bump,
    replace,
    undo,
    redo,
    markSaved,
  };
}
