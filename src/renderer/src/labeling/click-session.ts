// The click tool's state as it travels with the editor's undo history (use-mask-editor's
// attachment): the run answering, the clicks so far in photo pixels, and the model's own mask
// from the last answer, which goes back with the next click as the previous-mask channel.
import type { MaskData } from './mask-bitmap';
import { encodeMaskRuns } from '../../../shared/mask-runs';

export interface PhotoClick {
  x: number;
  y: number;
  positive: boolean;
}

export interface ClickSession {
  kind: 'click-session';
  runId: number;
  clicks: PhotoClick[];
  /** The model's mask at its input size from the last answer (labeling.click's modelMask). */
  modelMask: { size: number; runs: number[] };
  /** The answer's mask at the photo's size, to tell whether the user has edited it since. */
  answer: Uint8Array;
}

export function asClickSession(attachment: unknown, runId: number | null): ClickSession | null {
  const s = attachment as ClickSession | null;
  return s && s.kind === 'click-session' && s.runId === runId ? s : null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Nearest-neighbour downscale to size×size: model pixel (mx, my) takes the photo pixel at its centre. */
export function maskAtModelSize(mask: MaskData, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let my = 0; my < size; my++) {
    const py = Math.min(mask.height - 1, Math.floor(((my + 0.5) * mask.height) / size));
    for (let mx = 0; mx < size; mx++) {
      const px = Math.min(mask.width - 1, Math.floor(((mx + 0.5) * mask.width) / size));
      out[my * size + mx] = mask.data[py * mask.width + px] ? 1 : 0;
    }
  }
  return out;
}

/**
 * The previous mask to send with the next click: the model's own last answer while the mask is
 * still exactly that answer; otherwise the mask as it is now (a loaded label, an adopted
 * prediction, brush edits), so clicks refine what is on screen rather than what the model said
 * before. None for an empty mask (the same as the model's "no previous mask").
 */
export function previousMaskFor(session: ClickSession | null, mask: MaskData, size: number): { size: number; runs: number[] } | undefined {
  if (session && session.modelMask.size === size && sameBytes(mask.data, session.answer)) return session.modelMask;
  if (!mask.data.some((v) => v)) return undefined;
  return { size, runs: encodeMaskRuns(maskAtModelSize(mask, size)) };
}

/** Pixels where two masks of one size differ. */
export function changedPixels(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Boolean(a[i]) !== Boolean(b[i])) n++;
  return n;
}
