// Predicts masks for every decodable photo in a folder (or a list of samples): the photo is
// resized to the model's input exactly as in evaluation, the probability map is resized back to
// the photo's original size (bilinear on probabilities, then thresholded: smoother edges than
// upsampling a hard mask), and written as NAME.png (one grey band, 0/255 or 0/1) plus an
// optional overlay. Nothing already on disk is replaced unless the caller supplies a writer
// that does so (the CLI's --overwrite keeps the old file as a version).
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { RgbImage, SkippedFile } from '../types';
import { decodeImage } from '../data/decode';
import { modelInputFromImage } from './model-input';
import { RateMeter } from '../util/progress';
import { predictProbabilities } from './tta';
import { probabilitiesToMask } from './probability-mask';
import { encodeMaskPng } from './mask-png-file';
import { writeNewFileAtomic } from './write-new-file';

export { probabilitiesToMask } from './probability-mask';

export interface PredictOptions {
  model: tf.LayersModel;
  size: number;
  /** Photos to predict: absolute paths. */
  images: string[];
  outDir: string;
  /** Write 0/1 masks instead of 0/255. */
  binary01?: boolean;
  /** Also write OUT/overlays/NAME.png: the photo with the predicted mask tinted over it. */
  overlay?: boolean;
  batchSize?: number;
  /** Test-time augmentation: the mean of the photo's and its mirror image's probabilities (tta.ts). */
  tta?: boolean;
  /** Multi-scale test-time augmentation: the input sizes to average over (tta.ts); default only the model's own. */
  ttaSizes?: readonly number[];
  /**
   * Writes one output file. Default: atomically, refusing a path that already exists (and the
   * whole run is refused up front if any planned output exists).
   */
  writeFile?: (path: string, bytes: Uint8Array) => void;
  onProgress?: (done: number, total: number, imagesPerSecond: number, etaSeconds: number) => void;
  signal?: AbortSignal;
}

export interface PredictedFile {
  image: string;
  mask: string;
  overlay?: string;
  width: number;
  height: number;
  foregroundFraction: number;
}

export interface PredictResult {
  written: PredictedFile[];
  skipped: SkippedFile[];
}

/** One photo's prediction: the model-size probabilities and the 0/1 mask at the photo's size. */
export interface PhotoPrediction {
  path: string;
  photo: RgbImage;
  /** size×size, row-major, what the model output. */
  probabilities: Float32Array;
  /** photo.width×photo.height, 0/1. */
  mask: Uint8Array;
}

/** The files a prediction of `images` into `outDir` will write, one entry per photo. */
export interface PlannedOutput {
  image: string;
  mask: string;
  overlay?: string;
}

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.gif', '.webp', '.tif', '.tiff', '.bmp', '.avif']);

/** Every regular, non-hidden file in a folder that looks like it could be a photo. */
export function listImageFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && IMAGE_EXT.has(extname(n).toLowerCase()))
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile())
    .sort();
}

/**
 * Output paths per photo. Two photos with one stem (a.jpg and a.png) would write one mask file
 * twice, the second silently replacing the first: refused, naming both.
 */
export function planOutputs(images: string[], outDir: string, overlay: boolean): PlannedOutput[] {
  const byStem = new Map<string, string>();
  return images.map((image) => {
    const stem = basename(image, extname(image));
    const other = byStem.get(stem);
    if (other) throw new Error(`${image} and ${other} would both be written as ${stem}.png; rename one of them`);
    byStem.set(stem, image);
    return { image, mask: join(outDir, `${stem}.png`), overlay: overlay ? join(outDir, 'overlays', `${stem}.png`) : undefined };
  });
}

/** Predicts photos a batch at a time; undecodable files come back as skipped, named. */
/** A click-to-segment model takes clicks and a previous mask besides the photo: say so, not tfjs' shape error. */
export function refuseClickModel(model: tf.LayersModel): void {
  const channels = model.inputs[0]?.shape[3];
  if (channels !== 3) {
    throw new Error(
      `this checkpoint is a click-to-segment model (${channels} input channels: photo, clicks, previous mask); ` +
        'it predicts from clicks: use the label editor\'s click tool or seg-studio eval-interactive, or predict with a plain run',
    );
  }
}

export async function* predictPhotoBatches(
  model: tf.LayersModel,
  size: number,
  paths: string[],
  opts: { batchSize?: number; signal?: AbortSignal; tta?: boolean; ttaSizes?: readonly number[] } = {},
): AsyncGenerator<{ predicted: PhotoPrediction[]; skipped: SkippedFile[]; done: number }> {
  refuseClickModel(model);
  const batchSize = opts.batchSize ?? 4;
  const px = size * size;
  for (let start = 0; start < paths.length; start += batchSize) {
    if (opts.signal?.aborted) return;
    const chunk = paths.slice(start, start + batchSize);
    const decoded: Array<{ path: string; photo: RgbImage }> = [];
    const skipped: SkippedFile[] = [];
    for (const path of chunk) {
      try {
        decoded.push({ path, photo: await decodeImage(path) });
      } catch (err) {
        skipped.push({ file: path, reason: (err as Error).message });
      }
    }
    const predicted: PhotoPrediction[] = [];
    if (decoded.length > 0) {
      const x = new Float32Array(decoded.length * px * 3);
      decoded.forEach((d, i) => modelInputFromImage(d.photo, size, x, i * px * 3));
      const inputAt = (s: number) => {
        const xs = new Float32Array(decoded.length * s * s * 3);
        decoded.forEach((d, i) => modelInputFromImage(d.photo, s, xs, i * s * s * 3));
        return xs;
      };
      const probs = tf.tidy(() => predictProbabilities(model, tf.tensor4d(x, [decoded.length, size, size, 3]), { tta: opts.tta, sizes: opts.ttaSizes, inputAt }));
      const all = (await probs.data()) as Float32Array;
      probs.dispose();
      if (all.length !== decoded.length * px) throw new Error(`the model output ${all.length} values for ${decoded.length} images of ${size}×${size}: not a one-band mask model`);
      decoded.forEach(({ path, photo }, i) => {
        const probabilities = all.slice(i * px, (i + 1) * px);
        predicted.push({ path, photo, probabilities, mask: probabilitiesToMask(probabilities, size, photo.width, photo.height) });
      });
    }
    yield { predicted, skipped, done: Math.min(start + batchSize, paths.length) };
  }
}

export function overlayImage(photo: RgbImage, mask: Uint8Array, color: [number, number, number] = [255, 40, 90], alpha = 0.45): Uint8Array {
  const out = new Uint8Array(photo.data.length);
  for (let i = 0, p = 0; i < mask.length; i++, p += 3) {
    const a = mask[i] ? alpha : 0;
    out[p] = photo.data[p]! * (1 - a) + color[0] * a;
    out[p + 1] = photo.data[p + 1]! * (1 - a) + color[1] * a;
    out[p + 2] = photo.data[p + 2]! * (1 - a) + color[2] * a;
  }
  return out;
}

export async function predictImages(opts: PredictOptions): Promise<PredictResult> {
  const plan = planOutputs(opts.images, opts.outDir, Boolean(opts.overlay));
  const writeFile = opts.writeFile ?? writeNewFileAtomic;
  if (!opts.writeFile) {
    // Refuse before the first file rather than halfway through.
    const existing = plan.flatMap((p) => [p.mask, p.overlay ?? '']).filter((p) => p && fileExists(p));
    if (existing.length > 0) {
      throw new Error(`${existing.length} output file(s) already exist (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}); choose an empty folder or ask to overwrite`);
    }
  }
  const planned = new Map(plan.map((p) => [p.image, p]));
  const written: PredictedFile[] = [];
  const skipped: SkippedFile[] = [];
  const meter = new RateMeter();
  for await (const batch of predictPhotoBatches(opts.model, opts.size, opts.images, { batchSize: opts.batchSize, signal: opts.signal, tta: opts.tta, ttaSizes: opts.ttaSizes })) {
    skipped.push(...batch.skipped);
    for (const { path, photo, mask } of batch.predicted) {
      const out = planned.get(path)!;
      let fg = 0;
      for (let k = 0; k < mask.length; k++) fg += mask[k]!;
      writeFile(out.mask, await encodeMaskPng(mask, photo.width, photo.height, opts.binary01 ? 'png-0-1' : 'png-0-255'));
      if (out.overlay) {
        const rgb = overlayImage(photo, mask);
        const png = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: photo.width, height: photo.height, channels: 3 } })
          .png({ compressionLevel: 6 })
          .toBuffer();
        writeFile(out.overlay, png);
      }
      written.push({ image: path, mask: out.mask, overlay: out.overlay, width: photo.width, height: photo.height, foregroundFraction: fg / mask.length });
    }
    const snap = meter.snapshot(batch.done, opts.images.length);
    opts.onProgress?.(batch.done, opts.images.length, snap.rate, snap.etaSeconds);
  }
  return { written, skipped };
}

function fileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
