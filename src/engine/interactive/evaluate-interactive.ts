// The standard measurement of a click-to-segment model (docs/interactive.md): for each image,
// simulated clicks (click-simulator.ts, RITM's protocol) one at a time, the model answering each
// with the clicks so far and its own previous mask; the IoU after every click against the label
// at the model's input size; NoC@85/90 (noc.ts), the mean IoU after 1..5 clicks and the time per
// click. Images are resized exactly as in training and evaluation (the batch loader, no
// augmentation), so the label compared is the trimap-derived 0/1 mask resized to the input.
import type * as tf from '@tensorflow/tfjs';
import type { Sample } from '../types';
import { iterateBatches, batchCount } from '../train/batches';
import { RateMeter } from '../util/progress';
import type { Click } from './clicks';
import { maskIou, nextEvaluationClick, thresholdMask, type Mask } from './click-simulator';
import { assertInteractiveModel, predictWithClicks, type InteractiveSettings } from './interactive-predict';
import { nocSummary } from './noc';

export interface ClickSessionOptions {
  /** The most clicks per image (the literature's 20). */
  maxClicks: number;
  /** Stop early once the IoU reaches this and at least `minClicks` were made (the IoU after more clicks then is not needed). */
  stopIou: number;
  minClicks: number;
}

export interface ClickSession {
  clicks: Click[];
  /** IoU after click 1, 2, … */
  ious: number[];
  /** Milliseconds of each model answer (encoding, forward pass, readback). */
  answerMs: number[];
}

/**
 * Clicks on one image until the IoU target or the cap: `answer(clicks, prevMask)` returns the
 * model's probabilities; the mask shown (probability > 0.5) becomes the next previous mask.
 */
export async function simulateClickSession(
  truth: Mask,
  size: number,
  opts: ClickSessionOptions,
  answer: (clicks: readonly Click[], prevMask: Mask | null) => Promise<Float32Array>,
): Promise<ClickSession> {
  const clicks: Click[] = [];
  const ious: number[] = [];
  const answerMs: number[] = [];
  const clicked = new Uint8Array(size * size);
  let shown: Mask = new Uint8Array(size * size);
  let prev: Mask | null = null;
  for (let k = 0; k < opts.maxClicks; k++) {
    const click = nextEvaluationClick(truth, shown, size, clicked);
    if (!click) {
      // Nothing left to correct: the mask is exact, and stays so for the clicks not made.
      ious.push(maskIou(truth, shown));
      if (k + 1 >= opts.minClicks) break;
      continue;
    }
    clicks.push(click);
    clicked[click.y * size + click.x] = 1;
    const t0 = performance.now();
    const probs = await answer(clicks, prev);
    answerMs.push(performance.now() - t0);
    shown = thresholdMask(probs);
    prev = shown;
    const iou = maskIou(truth, shown);
    ious.push(iou);
    if (iou >= opts.stopIou && k + 1 >= opts.minClicks) break;
  }
  return { clicks, ious, answerMs };
}

export interface InteractiveEvalOptions extends InteractiveSettings {
  maxClicks: number;
  onProgress?: (done: number, total: number, imagesPerSecond: number, etaSeconds: number) => void;
}

export interface InteractiveEvalResult {
  images: number;
  maxClicks: number;
  nocAt85: number;
  nocAt90: number;
  /** Images whose IoU never reached 0.85 / 0.90 within maxClicks. */
  neverReached85: number;
  neverReached90: number;
  /** Mean IoU after 1..5 clicks (an image that reached 0.90 earlier keeps clicking to 5). */
  iouAfterClicks: number[];
  /** Mean milliseconds per model answer over every click made. */
  msPerClick: number;
  clicksMade: number;
  perImage: Array<{ id: string; ious: number[] }>;
}

const REPORTED_CLICKS = 5;

export async function evaluateInteractive(model: tf.LayersModel, samples: Sample[], opts: InteractiveEvalOptions): Promise<InteractiveEvalResult> {
  assertInteractiveModel(model);
  if (!Number.isInteger(opts.maxClicks) || opts.maxClicks < 1) throw new Error(`max clicks must be a whole number of at least 1 (got ${opts.maxClicks})`);
  const { size } = opts;
  const px = size * size;
  const perImage: InteractiveEvalResult['perImage'] = [];
  let totalMs = 0;
  let clicksMade = 0;
  const batchSize = 8;
  const total = batchCount(samples.length, batchSize, false);
  const meter = new RateMeter();
  let done = 0;
  for await (const batch of iterateBatches(samples, { size, batchSize, augment: undefined, seed: 0, epoch: 0, shuffle: false, dropLast: false })) {
    for (let i = 0; i < batch.ids.length; i++) {
      const rgb = batch.x.subarray(i * px * 3, (i + 1) * px * 3);
      const truth = thresholdMask(batch.y.subarray(i * px, (i + 1) * px));
      const session = await simulateClickSession(
        truth,
        size,
        { maxClicks: opts.maxClicks, stopIou: 0.9, minClicks: Math.min(REPORTED_CLICKS, opts.maxClicks) },
        (clicks, prev) => predictWithClicks(model, rgb, clicks, prev, opts),
      );
      perImage.push({ id: batch.ids[i]!, ious: session.ious });
      for (const ms of session.answerMs) totalMs += ms;
      clicksMade += session.answerMs.length;
    }
    done++;
    const snap = meter.snapshot(done, total);
    opts.onProgress?.(done, total, snap.rate * batchSize, snap.etaSeconds);
  }
  const all = perImage.map((p) => p.ious);
  const at85 = nocSummary(all, 0.85, opts.maxClicks);
  const at90 = nocSummary(all, 0.9, opts.maxClicks);
  const iouAfterClicks: number[] = [];
  for (let k = 0; k < Math.min(REPORTED_CLICKS, opts.maxClicks); k++) {
    iouAfterClicks.push(all.length ? all.reduce((s, ious) => s + (ious[k] ?? ious[ious.length - 1]!), 0) / all.length : 0);
  }
  return {
    images: perImage.length,
    maxClicks: opts.maxClicks,
    nocAt85: at85.noc,
    nocAt90: at90.noc,
    neverReached85: at85.neverReached,
    neverReached90: at90.neverReached,
    iouAfterClicks,
    msPerClick: clicksMade ? totalMs / clicksMade : 0,
    clicksMade,
    perImage,
  };
}
