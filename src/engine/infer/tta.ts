// Test-time augmentation: the probability map of a batch as the mean of the model's answer for
// the photos and for their horizontal mirror images (each mirrored back before averaging). A
// pet is as much a pet in a mirror, so the two answers differ only by the model's own errors,
// which the mean partly cancels; the price is a second forward pass (about twice the time).
//
// The one place evaluation, prediction of mask files and the app's predictions get their
// probabilities from, so `--tta` means the same thing everywhere. On by default in eval, predict and
// the app's predictions: on every one of the 24 checkpoints of docs/quality.md it raised test
// Dice on the mini set, by 0.002–0.014 (mean 0.007), for about twice the inference time. Training's own
// validation and test scores stay single-pass (they pick the checkpoint; speed matters there).
import * as tf from '@tensorflow/tfjs';
import { predictFast } from '../backend/native';
import { resizeProbabilities } from './probability-mask';
import { modelAtSize } from './model-at-size';

export interface TtaOptions {
  /** Average with the horizontally flipped photo's prediction (two forward passes). */
  tta?: boolean;
  /**
   * Multi-scale: the input sizes to run the model at (default: only the batch's own size). The
   * batch is resized to each (bilinear), each answer is resized back to the batch's size, and the
   * answers are averaged; with `tta` each size also gets its mirror image. Off unless asked: the
   * "auto" sizes (shared/tta-sizes.ts) raised test Dice over the mirror alone on every checkpoint of
   * docs/quality.md (mean +0.006), but cost about 3× the mirror average alone.
   */
  sizes?: readonly number[];
  /**
   * The batch's model input at another size, made from the photos themselves (the same resize as
   * the batch's own), where the caller has them: a photo resized once to 160² carries more than
   * its 128² input enlarged (on one 128²-trained checkpoint, 112,128,160 gained 0.0037 from the
   * photos against 0.0029 from the enlarged input). Without it the batch itself is resized.
   */
  inputAt?: (size: number) => Float32Array | undefined;
}

/**
 * Probabilities for an NHWC batch `x` (its own tensor, not disposed here); the caller disposes
 * the result (or calls inside `tf.tidy`). Every input channel is mirrored (a click-to-segment model's
 * click disks and previous mask move with the photo), and the output is mirrored back.
 */
export function predictProbabilities(model: tf.LayersModel, x: tf.Tensor4D, opts: TtaOptions = {}): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const sizes = opts.sizes ?? [];
  if (sizes.length === 0 || (sizes.length === 1 && sizes[0] === h && h === w)) return predictAtOwnSize(model, x, opts.tta);
  if (h !== w) throw new Error(`multi-scale prediction needs square inputs (got ${w}×${h})`);
  const input = x.dataSync() as Float32Array;
  const sum = new Float32Array(n * h * w);
  for (const size of sizes) {
    const scaled = size === h ? input : (opts.inputAt?.(size) ?? resizeBatch(input, n, h, c, size));
    const twin = modelAtSize(model, size);
    const answer = tf.tidy(() => predictAtOwnSize(twin, tf.tensor4d(scaled, [n, size, size, c]), opts.tta));
    const p = answer.dataSync() as Float32Array;
    answer.dispose();
    if (p.length !== n * size * size) throw new Error(`the model output ${p.length} values for ${n} images of ${size}×${size}: not a one-band mask model`);
    for (let i = 0; i < n; i++) {
      const back = size === h ? p.subarray(i * h * w, (i + 1) * h * w) : resizeProbabilities(p.subarray(i * size * size, (i + 1) * size * size), size, size, w, h);
      const into = sum.subarray(i * h * w, (i + 1) * h * w);
      for (let k = 0; k < back.length; k++) into[k]! += back[k]!;
    }
  }
  for (let k = 0; k < sum.length; k++) sum[k]! /= sizes.length;
  return tf.tensor4d(sum, [n, h, w, 1]);
}

/** An NHWC batch of square images resized to size×size, channel by channel (same sampling as the probabilities). */
function resizeBatch(src: Float32Array, n: number, from: number, channels: number, size: number): Float32Array {
  const out = new Float32Array(n * size * size * channels);
  const plane = new Float32Array(from * from);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < channels; ch++) {
      for (let k = 0; k < plane.length; k++) plane[k] = src[(i * plane.length + k) * channels + ch]!;
      const r = resizeProbabilities(plane, from, from, size, size);
      for (let k = 0; k < r.length; k++) out[(i * r.length + k) * channels + ch] = r[k]!;
    }
  }
  return out;
}

function predictAtOwnSize(model: tf.LayersModel, x: tf.Tensor4D, tta: boolean | undefined): tf.Tensor4D {
  if (!tta) return predictFast(model, x) as tf.Tensor4D;
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
