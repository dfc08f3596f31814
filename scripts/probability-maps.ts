// What the study scripts share: a model's probabilities for photos, each resized to the photo's
// own size (the mirror average, optionally over several input sizes, as eval and predict compute
// them), and the Dice of the mean of several such maps, thresholded at 0.5, against a true mask.
import type * as tf from '@tensorflow/tfjs';
import { predictPhotoBatches } from '../src/engine/infer/predict';
import { maskDice, resizeProbabilities } from '../src/engine/infer/probability-mask';

/** Each photo's probabilities at its own size, by path: the model run at `size` (mirror average, and `ttaSizes` when given). */
export async function photoSizeProbabilities(
  model: tf.LayersModel,
  size: number,
  photos: readonly string[],
  ttaSizes?: readonly number[],
): Promise<Map<string, Float32Array>> {
  const byPhoto = new Map<string, Float32Array>();
  for await (const b of predictPhotoBatches(model, size, [...photos], { batchSize: 8, tta: true, ttaSizes })) {
    for (const p of b.predicted) byPhoto.set(p.path, resizeProbabilities(p.probabilities, size, size, p.photo.width, p.photo.height));
  }
  return byPhoto;
}

/** Dice against `truth` of the pixel-wise mean of `maps` (all at the truth's size) above 0.5. */
export function meanMapDice(maps: readonly Float32Array[], truth: Uint8Array): number {
  const mask = new Uint8Array(truth.length);
  for (let i = 0; i < mask.length; i++) {
    let v = 0;
    for (const m of maps) v += m[i]!;
    mask[i] = v / maps.length > 0.5 ? 1 : 0;
  }
  return maskDice(mask, truth);
}
