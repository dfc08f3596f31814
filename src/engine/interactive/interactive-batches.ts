// How an interactive run turns the loader's batches into model inputs (the training loop asks
// this object instead of using the RGB batch directly; a plain run has none).
//
// Training, in the manner of RITM (Sofiiuk et al. 2021; isegm/engine/trainer.py batch_forward):
// each sample gets a first click inside its object; then a random number of rounds, 0 to
// maxIterations, runs WITHOUT gradient: the model, in inference mode, answers the clicks so far
// with its previous answer as the previous-mask channel, and a correction click is placed on its
// largest error (click-simulator.ts). The trained step then sees all the clicks and the last
// answer as the previous mask, which is dropped (zeroed) for 20% of the samples (RITM's
// prev_mask_drop_prob) so the model also learns to start from nothing. The rounds predict with
// the weights as they are at that step, so the clicks follow the model's current mistakes.
//
// Validation and test (the run's curves and its selection of the best epoch): Dice after ONE
// simulated evaluation click (the object's interior-most pixel, no previous mask).
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../shared/run-config';
import type { Batch } from '../train/batches';
import { Rng } from '../util/rng';
import type { Click } from './clicks';
import { nextEvaluationClick, sampleCorrectionClick, sampleFirstClick, thresholdMask, type Mask } from './click-simulator';
import { DEFAULT_CLICK_RADIUS, encodeInteractiveInput, INTERACTIVE_CHANNELS, RGB_CHANNELS } from './click-encoding';
import { predictEncoded } from './interactive-predict';

/** RITM's default share of samples whose previous mask is zeroed after the no-gradient rounds. */
export const PREV_MASK_DROP_PROBABILITY = 0.2;

export interface ModelInputs {
  /** Input channels of the model these inputs feed. */
  channels: number;
  /** The input of one training step (runs the no-gradient click rounds on `model`). */
  trainInput(model: tf.LayersModel, batch: Batch, epoch: number, batchIndex: number): Promise<Float32Array>;
  /** The input of an evaluation batch: one simulated click per image. */
  evalInput(batch: Batch): { x: Float32Array; channels: number };
}

function mix(a: number, b: number, c: number): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (b >>> 0) ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ (c >>> 0) ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The click-to-segment inputs of `config`, or undefined for a plain run. */
export function interactiveInputs(config: RunConfig): ModelInputs | undefined {
  const it = config.interactive;
  if (!it?.enabled) return undefined;
  const size = config.size;
  const radius = it.clickRadius ?? DEFAULT_CLICK_RADIUS;
  const maxIterations = it.maxIterations ?? 3;
  const px = size * size;

  const encode = (batch: Batch, clicks: Click[][], prev: Array<Mask | null>): Float32Array => {
    const n = batch.ids.length;
    const x = new Float32Array(n * px * INTERACTIVE_CHANNELS);
    for (let i = 0; i < n; i++) {
      const rgb = batch.x.subarray(i * px * RGB_CHANNELS, (i + 1) * px * RGB_CHANNELS);
      encodeInteractiveInput(rgb, clicks[i]!, prev[i]!, size, radius, x, i * px * INTERACTIVE_CHANNELS);
    }
    return x;
  };
  const truths = (batch: Batch): Mask[] => batch.ids.map((_, i) => thresholdMask(batch.y.subarray(i * px, (i + 1) * px)));

  return {
    channels: INTERACTIVE_CHANNELS,
    async trainInput(model, batch, epoch, batchIndex) {
      const rng = new Rng(mix(config.seed, epoch, batchIndex));
      const truth = truths(batch);
      const clicks: Click[][] = truth.map((t) => {
        const c = sampleFirstClick(t, size, rng);
        return c ? [c] : [];
      });
      const prev: Array<Mask | null> = truth.map(() => null);
      const rounds = rng.int(0, maxIterations);
      for (let r = 0; r < rounds; r++) {
        const probs = await predictEncoded(model, encode(batch, clicks, prev), truth.length, size);
        truth.forEach((t, i) => {
          const shown = thresholdMask(probs.subarray(i * px, (i + 1) * px));
          const c = sampleCorrectionClick(t, shown, size, rng);
          if (c) clicks[i]!.push(c);
          prev[i] = shown;
        });
      }
      if (rounds > 0) prev.forEach((_, i) => {
        if (rng.next() < PREV_MASK_DROP_PROBABILITY) prev[i] = null;
      });
      return encode(batch, clicks, prev);
    },
    evalInput(batch) {
      const empty = new Uint8Array(px);
      const clicks = truths(batch).map((t) => {
        const c = nextEvaluationClick(t, empty, size);
        return c ? [c] : [];
      });
      return { x: encode(batch, clicks, batch.ids.map(() => null)), channels: INTERACTIVE_CHANNELS };
    },
  };
}
