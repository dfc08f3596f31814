// Scores images with a plain (non-interactive) model for the queue: each photo at the model's
// input size (the training resize, from the shared resized-sample cache), predicted in batches on
// the compiled native plan (predictFast), then reduced to uncertainty and — for labeled photos —
// disagreement with the label.
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../types';
import { loadResizedSample } from '../data/sample-cache';
import { normalizeImageNet } from '../augment/normalize';
import { predictFast } from '../backend/native';
import { modelInputChannels } from '../interactive/interactive-predict';
import { uncertaintyOf, type UncertaintyScore } from './uncertainty';
import { labelDisagreement } from './disagreement';

export interface ImageScore extends UncertaintyScore {
  id: string;
  /** Present when the sample has a label and labels were asked for. */
  dice?: number;
  disagreement?: number;
  /** size×size difference mask (disagreement.ts values), only with keepDiff. */
  diff?: Uint8Array;
}

export interface ScoreOptions {
  size: number;
  batchSize?: number;
  /** Compare with each sample's label when it has one. */
  withLabels?: boolean;
  keepDiff?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function scoreImages(model: tf.LayersModel, samples: Sample[], opts: ScoreOptions): Promise<ImageScore[]> {
  const channels = modelInputChannels(model);
  // A click model needs clicks to say anything; without them its "uncertainty" is about nothing.
  if (channels !== 3) throw new Error(`model ${model.name} takes ${channels} input channels: the queue scores with a plain (3-channel) run`);
  const { size } = opts;
  const px = size * size;
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const out: ImageScore[] = [];
  for (let start = 0; start < samples.length; start += batchSize) {
    if (opts.signal?.aborted) throw new Error('scoring cancelled');
    const chunk = samples.slice(start, start + batchSize);
    const loaded = await Promise.all(chunk.map((s) => loadResizedSample(s, size, Boolean(opts.withLabels && s.maskPath))));
    const x = new Float32Array(chunk.length * px * 3);
    loaded.forEach((l, i) => normalizeImageNet(l.image, x, i * px * 3));
    const probsT = tf.tidy(() => predictFast(model, tf.tensor4d(x, [chunk.length, size, size, 3])));
    const all = (await probsT.data()) as Float32Array;
    probsT.dispose();
    if (all.length !== chunk.length * px) throw new Error(`the model output ${all.length} values for ${chunk.length} images of ${size}×${size}: not a one-band mask model`);
    chunk.forEach((s, i) => {
      const probs = all.subarray(i * px, (i + 1) * px);
      const score: ImageScore = { id: s.id, ...uncertaintyOf(probs) };
      const mask = loaded[i]!.mask;
      if (mask) {
        const d = labelDisagreement(mask.data, probs);
        score.dice = d.dice;
        score.disagreement = d.disagreement;
        if (opts.keepDiff) score.diff = d.diff;
      }
      out.push(score);
    });
    opts.onProgress?.(Math.min(start + batchSize, samples.length), samples.length);
  }
  return out;
}
