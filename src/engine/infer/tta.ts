// Test-time augmentation: the probability map of a batch as the mean of the model's answer for
// the photos and for their horizontal mirror images (each mirrored back before averaging). A
// pet is as much a pet in a mirror, so the two answers differ only by the model's own errors,
// which the mean partly cancels; the price is a second forward pass (about twice the time).
//
// The one place evaluation, prediction of mask files and the app's predictions get their
// probabilities from, so `--tta` means the same thing everywhere. On by default in eval, predict and
// the app's predictions: on every one of the 18 checkpoints of docs/quality.md it raised test
// Dice on the mini set, by 0.002–0.012 (mean 0.007), for about twice the inference time. Training's own
// validation and test scores stay single-pass (they pick the checkpoint; speed matters there).
import * as tf from '@tensorflow/tfjs';
import { predictFast } from '../backend/native';

export interface TtaOptions {
  /** Average with the horizontally flipped photo's prediction (two forward passes). */
  tta?: boolean;
}

/**
 * Probabilities for an NHWC batch `x` (its own tensor, not disposed here); the caller disposes
 * the result (or calls inside `tf.tidy`). Every input channel is mirrored (a click-to-segment model's
 * click disks and previous mask move with the photo), and the output is mirrored back.
 */
export function predictProbabilities(model: tf.LayersModel, x: tf.Tensor4D, opts: TtaOptions = {}): tf.Tensor4D {
  if (!opts.tta) return predictFast(model, x) as tf.Tensor4D;
  // Two passes rather than one of a doubled batch: the same arithmetic (inference batch norm
  // is per image) without holding twice the activations at once.
  const plain = predictFast(model, x);
  const mirroredIn = mirrorWidth(x.dataSync() as Float32Array, x.shape);
  const mirrored = tf.tidy(() => predictFast(model, tf.tensor4d(mirroredIn, x.shape)));
  const [n, h, w, c] = plain.shape as [number, number, number, number];
  const a = plain.dataSync() as Float32Array;
  const back = mirrorWidth(mirrored.dataSync() as Float32Array, [n, h, w, c]);
  plain.dispose();
  mirrored.dispose();
  for (let i = 0; i < back.length; i++) back[i] = (a[i]! + back[i]!) * 0.5;
  return tf.tensor4d(back, [n, h, w, c]);
}

/**
 * An NHWC array mirrored along its width, in plain TypeScript: tfjs's `reverse` took 0.4 s for a
 * batch of 8 photos at 64² on the native backend (a generic fallback kernel), 40% of the forward
 * pass it was meant to accompany; this loop is a copy.
 */
export function mirrorWidth(src: Float32Array, shape: readonly number[]): Float32Array {
  const [n, h, w, c] = shape as [number, number, number, number];
  const out = new Float32Array(src.length);
  const row = w * c;
  for (let r = 0; r < n * h; r++) {
    const base = r * row;
    for (let col = 0; col < w; col++) {
      const from = base + col * c;
      const to = base + (w - 1 - col) * c;
      for (let k = 0; k < c; k++) out[to + k] = src[from + k]!;
    }
  }
  return out;
}
