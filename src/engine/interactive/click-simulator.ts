// Simulated clicks. Evaluation follows the protocol of the interactive-segmentation literature
// (RITM's isegm/inference/clicker.py): the false-negative pixels (object the prediction misses)
// and false-positive pixels (background it claims) are each distance-transformed with the image
// border counted as boundary; the next click goes to the interior-most error pixel, the one with
// the larger distance deciding positive (false negative) or negative (false positive), ties going
// negative as there; pixels already clicked are not chosen again; among equal distances the first
// in row-major order. "Largest error region" thus means the one with the largest inscribed disk.
//
// Training draws its clicks at random, as RITM's trainer does, so the model does not learn one
// deterministic spot: the first click uniformly among the object's inner pixels (distance above
// max/1.7, RITM's MultiPointSampler first-click rule), each correction click uniformly among the
// pixels of the chosen error set with distance above half its maximum (RITM's get_next_points).
import type { Rng } from '../util/rng';
import type { Click } from './clicks';
import { distanceToBoundary } from './distance-transform';

/** 0/1 masks of size·size pixels, row-major. */
export type Mask = Uint8Array;

/** Foreground where probability > threshold (0.5: the studio's mask threshold everywhere). */
export function thresholdMask(probabilities: ArrayLike<number>, threshold = 0.5): Mask {
  const m = new Uint8Array(probabilities.length);
  for (let i = 0; i < m.length; i++) m[i] = probabilities[i]! > threshold ? 1 : 0;
  return m;
}

/** Intersection over union of two 0/1 masks; two empty masks agree perfectly (1). */
export function maskIou(truth: Mask, pred: Mask): number {
  if (truth.length !== pred.length) throw new Error(`maskIou: masks of ${truth.length} and ${pred.length} pixels`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] !== 0;
    const p = pred[i] !== 0;
    if (t && p) inter++;
    if (t || p) union++;
  }
  return union === 0 ? 1 : inter / union;
}

function errorMasks(truth: Mask, pred: Mask): { fn: Mask; fp: Mask } {
  if (truth.length !== pred.length) throw new Error(`click simulator: truth has ${truth.length} pixels, prediction ${pred.length}`);
  const fn = new Uint8Array(truth.length);
  const fp = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] !== 0;
    const p = pred[i] !== 0;
    fn[i] = t && !p ? 1 : 0;
    fp[i] = !t && p ? 1 : 0;
  }
  return { fn, fp };
}

function maxOf(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

function checkSquare(mask: Mask, size: number): void {
  if (mask.length !== size * size) throw new Error(`click simulator: mask has ${mask.length} pixels, expected ${size}×${size}`);
}

/**
 * The evaluation click for `pred` against `truth` (RITM's clicker), or null when the prediction
 * has no error left (no pixel to correct). `clicked` marks pixels clicked before (non-zero).
 */
export function nextEvaluationClick(truth: Mask, pred: Mask, size: number, clicked?: Uint8Array): Click | null {
  checkSquare(truth, size);
  const { fn, fp } = errorMasks(truth, pred);
  const dFn = distanceToBoundary(fn, size, size);
  const dFp = distanceToBoundary(fp, size, size);
  if (clicked) {
    for (let i = 0; i < clicked.length; i++) {
      if (clicked[i]) {
        dFn[i] = 0;
        dFp[i] = 0;
      }
    }
  }
  const fnMax = maxOf(dFn);
  const fpMax = maxOf(dFp);
  if (fnMax === 0 && fpMax === 0) return null;
  const positive = fnMax > fpMax;
  const d = positive ? dFn : dFp;
  const best = positive ? fnMax : fpMax;
  const i = d.indexOf(best);
  return { x: i % size, y: Math.floor(i / size), positive };
}

function pickAbove(d: Float32Array, threshold: number, size: number, rng: Rng): { x: number; y: number } | null {
  const candidates: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i]! > threshold) candidates.push(i);
  if (candidates.length === 0) return null;
  const i = candidates[Math.floor(rng.next() * candidates.length)]!;
  return { x: i % size, y: Math.floor(i / size) };
}

/** RITM's first-click rule: inner pixels are those farther from the boundary than max/INNER_K. */
const FIRST_CLICK_INNER_K = 1.7;

/**
 * A training run's first click: positive, uniformly among the object's inner pixels. A sample
 * with no object gets a negative click inside the background instead (the model must learn to
 * answer "nothing here" too); null only for an image that is all one class and has no pixels.
 */
export function sampleFirstClick(truth: Mask, size: number, rng: Rng): Click | null {
  checkSquare(truth, size);
  let any = false;
  for (let i = 0; i < truth.length; i++) if (truth[i]) { any = true; break; }
  const region = any ? truth : truth.map((v) => (v ? 0 : 1));
  const d = distanceToBoundary(region, size, size);
  const p = pickAbove(d, maxOf(d) / FIRST_CLICK_INNER_K, size, rng);
  return p && { ...p, positive: any };
}

/**
 * A training correction click on the model's own prediction: the error set with the larger
 * inscribed disk decides the sign (as in evaluation); the point is uniform among that set's
 * pixels farther than half its maximum distance from the boundary. Null when nothing is wrong.
 */
export function sampleCorrectionClick(truth: Mask, pred: Mask, size: number, rng: Rng): Click | null {
  checkSquare(truth, size);
  const { fn, fp } = errorMasks(truth, pred);
  const dFn = distanceToBoundary(fn, size, size);
  const dFp = distanceToBoundary(fp, size, size);
  const fnMax = maxOf(dFn);
  const fpMax = maxOf(dFp);
  if (fnMax === 0 && fpMax === 0) return null;
  const positive = fnMax > fpMax;
  const p = pickAbove(positive ? dFn : dFp, Math.max(fnMax, fpMax) / 2, size, rng);
  return p && { ...p, positive };
}
