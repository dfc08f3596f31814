// Training and evaluation batches: samples (shuffled per epoch when asked) are decoded, resized
// (cached across epochs), augmented and packed as NHWC ImageNet-normalised floats plus 0/1
// masks. A few batches are prepared ahead of the consumer: sharp decodes in libuv's threadpool
// while the model steps, so the first epoch is not bound by JPEG decoding.
import type { AugmentConfig } from '../../shared/run-config';
import type { Sample } from '../types';
import { augmentSample } from '../augment/pipeline';
import { normalizeImageNet } from '../augment/normalize';
import { loadResizedSample } from '../data/sample-cache';
import { Rng } from '../util/rng';

export interface BatchOptions {
  size: number;
  batchSize: number;
  /** Undefined (evaluation) or enabled:false → resize only. */
  augment: AugmentConfig | undefined;
  seed: number;
  epoch: number;
  shuffle: boolean;
  /** Drop a last, smaller batch (training keeps batch statistics even). */
  dropLast: boolean;
  /** Batches prepared ahead of the consumer. Default 3. */
  prefetch?: number;
}

export interface Batch {
  /** batch·size·size·3, ImageNet-normalised. */
  x: Float32Array;
  /** batch·size·size, 0 or 1. */
  y: Float32Array;
  ids: string[];
}

export function batchCount(n: number, batchSize: number, dropLast = true): number {
  if (n <= 0 || batchSize <= 0) return 0;
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** 32-bit mix of integers (murmur3 finaliser steps): distinct seeds for (seed, epoch, sample). */
function mix(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593) ^ (h >>> 13);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The sample order of one epoch. */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  return shuffle ? new Rng(mix(seed, epoch)).shuffle(order) : order;
}

async function buildBatch(samples: Sample[], indices: number[], opts: BatchOptions): Promise<Batch> {
  const { size } = opts;
  const px = size * size;
  const loaded = await Promise.all(
    indices.map((i) => {
      const s = samples[i]!;
      if (!s.maskPath) throw new Error(`${s.imagePath}: sample ${s.id} has no mask, so it cannot be trained or evaluated on`);
      return loadResizedSample(s, size);
    }),
  );
  const x = new Float32Array(indices.length * px * 3);
  const y = new Float32Array(indices.length * px);
  const ids: string[] = [];
  loaded.forEach((base, j) => {
    const s = samples[indices[j]!]!;
    // Each sample's augmentation stream depends on (seed, epoch, id) only: identical whatever
    // the batch size, the order, or how far ahead the loader runs.
    const out = opts.augment?.enabled
      ? augmentSample(base.image, base.mask, opts.augment, new Rng(mix(opts.seed, opts.epoch, hashId(s.id))), size)
      : base;
    normalizeImageNet(out.image, x, j * px * 3);
    const m = out.mask!.data;
    const off = j * px;
    for (let k = 0; k < px; k++) y[off + k] = m[k]!;
    ids.push(s.id);
  });
  return { x, y, ids };
}

export async function* iterateBatches(samples: Sample[], opts: BatchOptions): AsyncGenerator<Batch> {
  const order = epochOrder(samples.length, opts.seed, opts.epoch, opts.shuffle);
  const total = batchCount(samples.length, opts.batchSize, opts.dropLast);
  const ahead = Math.max(1, opts.prefetch ?? 3);
  const queue: Array<Promise<Batch>> = [];
  let next = 0;
  const enqueue = () => {
    const b = next++;
    const p = buildBatch(samples, order.slice(b * opts.batchSize, (b + 1) * opts.batchSize), opts);
    // A consumer that stops early never awaits the batches still queued: mark them handled so a
    // failure there is not an unhandled rejection (awaiting p still throws for the consumer).
    p.catch(() => {});
    queue.push(p);
  };
  while (next < total && queue.length < ahead) enqueue();
  while (queue.length > 0) {
    const batch = await queue.shift()!;
    if (next < total) enqueue();
    yield batch;
  }
}
