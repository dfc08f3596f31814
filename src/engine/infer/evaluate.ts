// Scores a model on a list of samples at the model's input size: mean per-image Dice at
// threshold 0.5 (the reported metric), dataset-level Dice, and the two loss terms. Asked with
// `atPhotoSize`, also the Dice of the masks as predict writes them: the probability map resized
// to each photo's own size, thresholded, against the label as stored (what a user's files score).
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../types';
import { iterateBatches, batchCount, type Batch } from '../train/batches';
import { RateMeter } from '../util/progress';
import { predictProbabilities } from './tta';
import { loadResizedSample } from '../data/sample-cache';
import { normalizeImageNet } from '../augment/normalize';
import { decodeMask } from '../data/decode';
import { maskDice, probabilitiesToMask } from './probability-mask';

export interface EvaluateOptions {
  size: number;
  batchSize: number;
  /** How many of the first samples to return predicted masks for. */
  previewCount?: number;
  /** Also score each image at its own size (decodes every label at full size once more). */
  atPhotoSize?: boolean;
  onProgress?: (done: number, total: number, imagesPerSecond: number, etaSeconds: number) => void;
  /** The model's input for a batch when it is not the RGB batch itself (a click-to-segment model's clicks). */
  modelInput?: (batch: Batch) => { x: Float32Array; channels: number };
  /** Test-time augmentation: the mean of the photo's and its mirror image's probabilities (tta.ts). */
  tta?: boolean;
  /** Multi-scale test-time augmentation: the input sizes to average over (tta.ts); default only the model's own. */
  ttaSizes?: readonly number[];
}

export interface EvaluateResult {
  /** Mean over images of per-image Dice (both masks empty counts as 1). */
  dice: number;
  /** Dice of all pixels pooled: 2Σ|P∩T| / (Σ|P| + Σ|T|). */
  datasetDice: number;
  bce: number;
  diceLoss: number;
  images: number;
  /** Mean over images of the Dice at each photo's own size (only when asked with atPhotoSize). */
  diceAtPhotoSize?: number;
  perImage: Array<{ id: string; dice: number; diceAtPhotoSize?: number }>;
  preview: Array<{ id: string; dice: number; mask: Uint8Array }>;
}

const EPS = 1e-6;

/** The samples' photos as model input at `size` (the batch loader's resize and normalisation). */
async function photoInputs(samples: Sample[], size: number): Promise<Float32Array> {
  const px = size * size;
  const x = new Float32Array(samples.length * px * 3);
  const loaded = await Promise.all(samples.map((s) => loadResizedSample(s, size, false)));
  loaded.forEach((b, j) => normalizeImageNet(b.image, x, j * px * 3));
  return x;
}

export async function evaluateModel(model: tf.LayersModel, samples: Sample[], opts: EvaluateOptions): Promise<EvaluateResult> {
  const perImage: EvaluateResult['perImage'] = [];
  const preview: EvaluateResult['preview'] = [];
  const wantPreview = opts.previewCount ?? 0;
  let bceSum = 0;
  let diceLossSum = 0;
  let inter = 0;
  let denom = 0;
  const total = batchCount(samples.length, opts.batchSize, false);
  const byId = new Map(samples.map((s) => [s.id, s]));
  const meter = new RateMeter();
  let done = 0;
  for await (const batch of iterateBatches(samples, {
    size: opts.size,
    batchSize: opts.batchSize,
    augment: undefined,
    seed: 0,
    epoch: 0,
    shuffle: false,
    dropLast: false,
  })) {
    const n = batch.ids.length;
    const input = opts.modelInput ? opts.modelInput(batch) : { x: batch.x, channels: 3 };
    // Multi-scale TTA: the photos at each other size, resized from the photos (not from the batch);
    // a click-to-segment model's extra channels have no photo to come from, so its batch is resized.
    const atSizes = new Map<number, Float32Array>();
    if (opts.ttaSizes && !opts.modelInput) {
      for (const s of opts.ttaSizes) if (s !== opts.size) atSizes.set(s, await photoInputs(batch.ids.map((id) => byId.get(id)!), s));
    }
    const stats = tf.tidy(() => {
      const x = tf.tensor4d(input.x, [n, opts.size, opts.size, input.channels]);
      const y = tf.tensor4d(batch.y, [n, opts.size, opts.size, 1]);
      const p = predictProbabilities(model, x, { tta: opts.tta, sizes: opts.ttaSizes, inputAt: (s) => atSizes.get(s) });
      const pc = tf.clipByValue(p, 1e-7, 1 - 1e-7);
      const bce = tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(pc)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, pc)))), [1, 2, 3]));
      const softInter = tf.sum(tf.mul(y, p), [1, 2, 3]);
      const softDen = tf.add(tf.sum(y, [1, 2, 3]), tf.sum(p, [1, 2, 3]));
      const dl = tf.sub(1, tf.div(tf.add(tf.mul(softInter, 2), EPS), tf.add(softDen, EPS)));
      const hard = tf.cast(tf.greater(p, 0.5), 'float32');
      const hInter = tf.sum(tf.mul(y, hard), [1, 2, 3]);
      const hDen = tf.add(tf.sum(y, [1, 2, 3]), tf.sum(hard, [1, 2, 3]));
      const out = [bce, dl, hInter, hDen];
      if (opts.atPhotoSize) out.push(p);
      if (preview.length < wantPreview) out.push(tf.cast(hard, 'int32'));
      return out;
    });
    const data = await Promise.all(stats.map((t) => t.data()));
    tf.dispose(stats);
    const [bce, dl, hInter, hDen] = data;
    const probs = opts.atPhotoSize ? (data[4] as Float32Array) : undefined;
    const masks = data[opts.atPhotoSize ? 5 : 4];
    const px = opts.size * opts.size;
    for (let i = 0; i < n; i++) {
      const d = hDen![i]! === 0 ? 1 : (2 * hInter![i]!) / hDen![i]!;
      const entry: EvaluateResult['perImage'][number] = { id: batch.ids[i]!, dice: d };
      if (probs) entry.diceAtPhotoSize = await diceAtPhotoSize(byId.get(entry.id)!, probs.subarray(i * px, (i + 1) * px), opts.size);
      perImage.push(entry);
      bceSum += bce![i]!;
      diceLossSum += dl![i]!;
      inter += hInter![i]!;
      denom += hDen![i]!;
      if (masks && preview.length < wantPreview) {
        preview.push({ id: batch.ids[i]!, dice: d, mask: Uint8Array.from(masks.subarray(i * px, (i + 1) * px) as Int32Array) });
      }
    }
    done++;
    const snap = meter.snapshot(done, total);
    opts.onProgress?.(done, total, snap.rate * opts.batchSize, snap.etaSeconds);
  }
  const images = perImage.length;
  return {
    dice: images ? perImage.reduce((a, b) => a + b.dice, 0) / images : 0,
    datasetDice: denom === 0 ? 1 : (2 * inter) / denom,
    bce: images ? bceSum / images : 0,
    diceLoss: images ? diceLossSum / images : 0,
    images,
    ...(opts.atPhotoSize ? { diceAtPhotoSize: images ? perImage.reduce((a, b) => a + b.diceAtPhotoSize!, 0) / images : 0 } : {}),
    perImage,
    preview,
  };
}

/** Dice of one sample's prediction at the photo's own size, against its label as stored. */
async function diceAtPhotoSize(sample: Sample, prob: Float32Array, size: number): Promise<number> {
  const truth = await decodeMask(sample.maskPath!, sample.maskEncoding);
  return maskDice(probabilitiesToMask(prob, size, truth.width, truth.height), truth.data);
}
