// How much a saved label and the model's prediction disagree: likely label mistakes (a missed
// leg, a mask saved on the wrong photo) come first in the review list. Compared at the model's
// input size (label resized as training resizes it), threshold 0.5 as evaluation uses.

/** Difference mask values. */
export const AGREE = 0;
/** Labeled as object, predicted background. */
export const LABEL_ONLY = 1;
/** Predicted object, labeled background. */
export const PREDICTION_ONLY = 2;

export interface Disagreement {
  /** Dice between the label and the thresholded prediction (both empty = 1). */
  dice: number;
  /** 1 − dice: the ranking score. */
  disagreement: number;
  /** Per pixel: AGREE, LABEL_ONLY or PREDICTION_ONLY. */
  diff: Uint8Array;
}

export function labelDisagreement(label: Uint8Array | Float32Array, probs: Float32Array): Disagreement {
  if (label.length !== probs.length) throw new Error(`label has ${label.length} pixels but the prediction ${probs.length}`);
  const diff = new Uint8Array(label.length);
  let inter = 0;
  let sum = 0;
  for (let i = 0; i < label.length; i++) {
    const t = label[i]! > 0.5 ? 1 : 0;
    const p = probs[i]! > 0.5 ? 1 : 0;
    inter += t & p;
    sum += t + p;
    diff[i] = t === p ? AGREE : t ? LABEL_ONLY : PREDICTION_ONLY;
  }
  const dice = sum === 0 ? 1 : (2 * inter) / sum;
  return { dice, disagreement: 1 - dice, diff };
}
