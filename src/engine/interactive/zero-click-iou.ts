// The baseline an interactive model is measured against: a plain (RGB-only) model's mask with
// no click at all, scored by the same IoU at the model's input size as eval-interactive.
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../types';
import { iterateBatches } from '../train/batches';
import { predictFast } from '../backend/native';
import { maskIou, thresholdMask } from './click-simulator';
import { modelInputChannels } from './interactive-predict';

export async function zeroClickIou(model: tf.LayersModel, samples: Sample[], size: number): Promise<{ meanIou: number; images: number }> {
  const c = modelInputChannels(model);
  if (c !== 3) throw new Error(`baseline model ${model.name} takes ${c} input channels: the baseline must be a plain (RGB) model`);
  const px = size * size;
  let sum = 0;
  let images = 0;
  for await (const batch of iterateBatches(samples, { size, batchSize: 8, augment: undefined, seed: 0, epoch: 0, shuffle: false, dropLast: false })) {
    const n = batch.ids.length;
    const probs = tf.tidy(() => predictFast(model, tf.tensor4d(batch.x, [n, size, size, 3])));
    const all = (await probs.data()) as Float32Array;
    probs.dispose();
    for (let i = 0; i < n; i++) {
      sum += maskIou(thresholdMask(batch.y.subarray(i * px, (i + 1) * px)), thresholdMask(all.subarray(i * px, (i + 1) * px)));
      images++;
    }
  }
  return { meanIou: images ? sum / images : 0, images };
}
