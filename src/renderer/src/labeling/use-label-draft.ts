// Keeps the editor's unsaved edits as a draft in the browser's storage while the user works (a
// moment after each change, and at once when the page goes away), clears it once the label is
// saved or the edits are discarded, and offers an existing draft back when the photo is opened.
import { useCallback, useEffect, useRef, useState } from 'react';
import { clearDraft, readDraft, writeDraft, type LabelDraft } from './mask-draft';
import type { MaskEditor } from './use-mask-editor';

export interface LabelDraftState {
  /** A draft from an earlier visit that differs from the saved label, waiting for the user. */
  offer: LabelDraft | null;
  restore: () => void;
  dismiss: () => void;
  /** Writes the draft now when there are unsaved edits (the page is about to go away). */
  flush: () => void;
  /** Forgets the edits: no draft now, none written when the page goes away. */
  discard: () => void;
}

const WRITE_DELAY_MS = 300;

export function useLabelDraft(datasetId: number, sampleId: string, imagePath: string | undefined, editor: MaskEditor): LabelDraftState {
  const [offer, setOffer] = useState<LabelDraft | null>(null);
  const [checked, setChecked] = useState(false);
  const discarded = useRef(false);
  const latest = useRef({ editor, imagePath, checked, offer });
  latest.current = { editor, imagePath, checked, offer };

  // Once the saved label is in the editor: is there a draft that differs from it?
  useEffect(() => {
    if (checked || !editor.mask || !imagePath) return;
    const d = readDraft(datasetId, sampleId);
    const m = editor.mask;
    const usable = d && d.imagePath === imagePath && d.mask.width === m.width && d.mask.height === m.height;
    if (usable && d.mask.data.some((v, i) => v !== m.data[i])) setOffer(d);
    else if (d) clearDraft(datasetId, sampleId);
    setChecked(true);
  }, [checked, editor.mask, imagePath, datasetId, sampleId]);

  const flush = useCallback(() => {
    const { editor: e, imagePath: p, checked: c, offer: o } = latest.current;
    if (discarded.current || !c || o || !p || !e.mask) return;
    if (e.dirty) writeDraft(datasetId, sampleId, p, e.mask);
    else clearDraft(datasetId, sampleId);
  }, [datasetId, sampleId]);

  // While a draft is on offer nothing is written over it or cleared, until the user decides.
  useEffect(() => {
    if (!checked || offer) return;
    discarded.current = false;
    const t = setTimeout(flush, WRITE_DELAY_MS);
    return () => clearTimeout(t);
  }, [checked, offer, editor.version, editor.dirty, flush]);

  useEffect(() => {
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush(); // leaving the page in the app: write what the delayed write had not yet
    };
  }, [flush]);

  const restore = useCallback(() => {
    const o = latest.current.offer;
    if (!o) return;
    setOffer(null);
    latest.current.editor.replace(o.mask);
  }, []);
  const dismiss = useCallback(() => {
    clearDraft(datasetId, sampleId);
    setOffer(null);
  }, [datasetId, sampleId]);
  const discard = useCallback(() => {
    discarded.current = true;
    clearDraft(datasetId, sampleId);
  }, [datasetId, sampleId]);

  return { offer, restore, dismiss, flush, discard };
}
