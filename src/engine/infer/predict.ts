// Predicts masks for every decodable photo in a folder (or a list of samples): the photo is
// resized to the model's input exactly as in evaluation, the probability map is resized back to
// the photo's original size (bilinear on probabilities, then thresholded: smoother edges than
// upsampling a hard mask), and written as NAME.png (0/255, or 0/1) plus an optional overlay.
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { mkdirSync, readdirSync, statSync, renameSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { RgbImage, SkippedFile } from '../types';
import { decodeImage } from '../data/decode';
import { modelInputFromImage } from './model-input';
import { RateMeter } from '../util/progress';
import { predictFast } from '../backend/native-inference-plan';

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

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.gif', '.webp', '.tif', '.tiff', '.bmp', '.avif']);

/** Every regular, non-hidden file in a folder that looks like it could be a photo. */
export function listImageFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && IMAGE_EXT.has(extname(n).toLowerCase()))
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile())
    .sort();
}

async function writePngAtomic(path: string, data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  let img = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } });
  // Without an explicit colourspace sharp widens a one-band raw image to RGB when writing.
  if (channels === 1) img = img.toColourspace('b-w');
  await img.png({ compressionLevel: 6 }).toFile(tmp);
  renameSync(tmp, path);
}

/** Resizes a size×size probability map (0..1) to width×height and thresholds it at 0.5. */
export async function probabilitiesToMask(prob: Float32Array, size: number, width: number, height: number): Promise<Uint8Array> {
  const u8 = new Uint8Array(size * size);
  for (let i = 0; i < u8.length; i++) u8[i] = Math.round(Math.min(1, Math.max(0, prob[i]!)) * 255);
  const resized = await sharp(Buffer.from(u8.buffer), { raw: { width: size, height: size, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = resized[i]! >= 128 ? 1 : 0;
  return mask;
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
  mkdirSync(opts.outDir, { recursive: true });
  if (opts.overlay) mkdirSync(join(opts.outDir, 'overlays'), { recursive: true });
  const batchSize = opts.batchSize ?? 4;
  const written: PredictedFile[] = [];
  const skipped: SkippedFile[] = [];
  const meter = new RateMeter();
  const px = opts.size * opts.size;
  for (let start = 0; start < opts.images.length; start += batchSize) {
    if (opts.signal?.aborted) break;
    const chunk = opts.images.slice(start, start + batchSize);
    const decoded: Array<{ path: string; photo: RgbImage }> = [];
    for (const path of chunk) {
      try {
        decoded.push({ path, photo: await decodeImage(path) });
      } catch (err) {
        skipped.push({ file: path, reason: (err as Error).message });
      }
    }
    if (decoded.length > 0) {
      const x = new Float32Array(decoded.length * px * 3);
      decoded.forEach((d, i) => modelInputFromImage(d.photo, opts.size, x, i * px * 3));
      const probs = tf.tidy(() => {
        const input = tf.tensor4d(x, [decoded.length, opts.size, opts.size, 3]);
        return predictFast(opts.model, input);
      });
      const all = (await probs.data()) as Float32Array;
      probs.dispose();
      for (let i = 0; i < decoded.length; i++) {
        const { path, photo } = decoded[i]!;
        const mask = await probabilitiesToMask(all.subarray(i * px, (i + 1) * px), opts.size, photo.width, photo.height);
        let fg = 0;
        for (let k = 0; k < mask.length; k++) fg += mask[k]!;
        const stem = basename(path, extname(path));
        const maskPath = join(opts.outDir, `${stem}.png`);
        const scaled = opts.binary01 ? mask : mask.map((v) => v * 255);
        await writePngAtomic(maskPath, scaled, photo.width, photo.height, 1);
        let overlayPath: string | undefined;
        if (opts.overlay) {
          overlayPath = join(opts.outDir, 'overlays', `${stem}.png`);
          await writePngAtomic(overlayPath, overlayImage(photo, mask), photo.width, photo.height, 3);
        }
        written.push({ image: path, mask: maskPath, overlay: overlayPath, width: photo.width, height: photo.height, foregroundFraction: fg / mask.length });
      }
    }
    const done = Math.min(start + batchSize, opts.images.length);
    const snap = meter.snapshot(done, opts.images.length);
    opts.onProgress?.(done, opts.images.length, snap.rate, snap.etaSeconds);
  }
  return { written, skipped };
}
