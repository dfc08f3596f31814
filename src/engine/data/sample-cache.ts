// Decoded samples already resized to the training size, kept across epochs so only the first
// epoch decodes JPEGs (a 256² photo plus mask is 256 KiB; decoding its source is ~10–30 ms).
// Bounded by bytes, least recently used out first. Entries remember the files' modification
// times, so a mask edited in the studio is re-read rather than served stale.
// Cached at the training size itself, not at a fixed 256: the pipeline's first step is
// Resize(size), so the entry is exactly that step's output; a 256 base resized again for a smaller
// size would resample twice (softer than the reference's single resize) and hold 4× the bytes at 128².
import { stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import type { BinaryMask, RgbImage, Sample } from '../types';
import { resizeSample } from '../augment/pipeline';
import { decodeImage, decodeMask } from './decode';
import { DataFileError } from './data-file-error';
import { createLimiter } from './pool';

export interface ResizedSample {
  image: RgbImage;
  mask?: BinaryMask;
}

interface Entry {
  value: ResizedSample;
  bytes: number;
  stamp: string;
}

/** Default bound: an eighth of the machine's memory, at most 2 GiB (7,390 samples at 256² need ~1.9 GiB). */
export const DEFAULT_CACHE_BYTES = Math.min(2 * 1024 ** 3, Math.floor(totalmem() / 8));

/**
 * Decodes at once: twice libuv's threadpool (where sharp decodes), enough to keep it busy while
 * bounding the full-size photos held in memory, whatever the batch size and prefetch depth.
 */
export const DECODE_CONCURRENCY = 2 * Math.max(1, Number(process.env.UV_THREADPOOL_SIZE) || 4);
const limitDecode = createLimiter(DECODE_CONCURRENCY);

const entries = new Map<string, Entry>();
/** Decodes under way, by cache key and file stamp: a second request (the preview while training) waits on the first. */
const inFlight = new Map<string, Promise<ResizedSample>>();
let usedBytes = 0;
let limitBytes = DEFAULT_CACHE_BYTES;

/** Changes the bound (0 disables caching), evicting as needed. */
export function setSampleCacheLimit(bytes: number): void {
  limitBytes = Math.max(0, bytes);
  evict();
}

export function clearSampleCache(): void {
  entries.clear();
  usedBytes = 0;
}

export function sampleCacheStats(): { entries: number; bytes: number; limit: number } {
  return { entries: entries.size, bytes: usedBytes, limit: limitBytes };
}

function evict(): void {
  for (const [key, e] of entries) {
    if (usedBytes <= limitBytes) break;
    entries.delete(key);
    usedBytes -= e.bytes;
  }
}

async function fileStamp(sample: Sample): Promise<string> {
  const [a, b] = await Promise.all([stat(sample.imagePath), sample.maskPath ? stat(sample.maskPath) : undefined]);
  return `${a.mtimeMs}:${a.size}|${b ? `${b.mtimeMs}:${b.size}` : '-'}`;
}

async function decodeResized(sample: Sample, size: number, withMask: boolean): Promise<ResizedSample> {
  const [image, mask] = await Promise.all([
    decodeImage(sample.imagePath),
    withMask && sample.maskPath ? decodeMask(sample.maskPath, sample.maskEncoding) : undefined,
  ]);
  if (mask && (mask.width !== image.width || mask.height !== image.height)) {
    throw new DataFileError(sample.maskPath!, `mask is ${mask.width}×${mask.height} but its image is ${image.width}×${image.height}`);
  }
  return resizeSample(image, mask, size);
}

/**
 * The sample's photo (and mask, when `withMask` and it has one) at size×size, from the cache
 * when its files are unchanged. Callers must not modify the returned arrays.
 */
export async function loadResizedSample(sample: Sample, size: number, withMask = true): Promise<ResizedSample> {
  const key = `${size}|${withMask ? 'm' : '-'}|${sample.imagePath}|${sample.maskPath ?? ''}|${sample.maskEncoding}`;
  const stamp = await fileStamp(sample).catch((err: Error) => {
    throw new DataFileError(sample.imagePath, `cannot read sample files (${err.message})`);
  });
  const hit = entries.get(key);
  if (hit && hit.stamp === stamp) {
    // Re-insert: Map order is the recency order for eviction.
    entries.delete(key);
    entries.set(key, hit);
    return hit.value;
  }
  if (hit) {
    entries.delete(key);
    usedBytes -= hit.bytes;
  }
  const flightKey = `${key}@${stamp}`;
  let pending = inFlight.get(flightKey);
  if (!pending) {
    pending = limitDecode(() => decodeResized(sample, size, withMask));
    inFlight.set(flightKey, pending);
    const forget = () => inFlight.delete(flightKey);
    pending.then(forget, forget);
  }
  const value = await pending;
  // Several waiters on one decode: the first stores it, the others find it stored.
  if (entries.get(key)?.value === value) return value;
  const bytes = value.image.data.byteLength + (value.mask?.data.byteLength ?? 0) + 200;
  if (limitBytes > 0 && bytes <= limitBytes) {
    const again = entries.get(key);
    if (again) usedBytes -= again.bytes;
    entries.set(key, { value, bytes, stamp });
    usedBytes += bytes;
    evict();
  }
  return value;
}
