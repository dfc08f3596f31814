// Prefetching and the decoded-sample cache, observed by counting the decoder's calls.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../src/engine/data/import-dataset';
import {
  clearSampleCache,
  loadResizedSample,
  sampleCacheStats,
  setSampleCacheLimit,
  DECODE_CONCURRENCY,
  DEFAULT_CACHE_BYTES,
} from '../src/engine/data/sample-cache';
import { iterateBatches, type BatchOptions } from '../src/engine/train/batches';
import type { Sample } from '../src/engine/types';

const calls = vi.hoisted(() => ({ image: 0, mask: 0, active: 0, maxActive: 0 }));
vi.mock('../src/engine/data/decode', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/engine/data/decode')>();
  return {
    ...real,
    decodeImage: async (p: string) => {
      calls.image++;
      calls.maxActive = Math.max(calls.maxActive, ++calls.active);
      try {
        return await real.decodeImage(p);
      } finally {
        calls.active--;
      }
    },
    decodeMask: (p: string, e: 'trimap' | 'binary') => {
      calls.mask++;
      return real.decodeMask(p, e);
    },
  };
});

let root = '';
let samples: Sample[] = [];
const opts = (epoch: number): BatchOptions => ({ size: 64, batchSize: 2, augment: undefined, seed: 3, epoch, shuffle: true, dropLast: true, prefetch: 3 });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'batches-cache-'));
  cpSync(join(__dirname, 'fixtures/oxford-mini'), root, { recursive: true });
  samples = (await importDataset(root)).samples;
});
afterAll(() => {
  setSampleCacheLimit(DEFAULT_CACHE_BYTES);
  rmSync(root, { recursive: true, force: true });
});

describe('batch loader prefetch and cache', () => {
  it('prepares batches ahead of the consumer', async () => {
    clearSampleCache();
    calls.image = 0;
    const it = iterateBatches(samples, opts(0))[Symbol.asyncIterator]();
    await it.next();
    // The consumer holds batch 1; batches 2–4 are under way without being asked for.
    await new Promise((r) => setTimeout(r, 500));
    expect(calls.image).toBe(8);
    await it.return?.(undefined);
  });

  it('decodes each sample once; later epochs come from the cache', async () => {
    clearSampleCache();
    calls.image = 0;
    calls.mask = 0;
    for await (const _ of iterateBatches(samples, opts(0))) void _;
    expect(calls.image).toBe(16);
    expect(calls.mask).toBe(16);
    expect(sampleCacheStats().entries).toBe(16);
    for await (const _ of iterateBatches(samples, opts(1))) void _;
    expect(calls.image).toBe(16);
  });

  it('re-reads a sample whose mask file changed (an edit in the studio)', async () => {
    const s = samples[3]!;
    const later = new Date(Date.now() + 60_000);
    utimesSync(s.maskPath!, later, later);
    const before = { ...calls };
    for await (const _ of iterateBatches(samples, opts(2))) void _;
    expect(calls.image - before.image).toBe(1);
    expect(calls.mask - before.mask).toBe(1);
  });

  it('decodes a sample requested twice at once only once', async () => {
    clearSampleCache();
    calls.image = 0;
    const got = await Promise.all([1, 2, 3, 4].map(() => loadResizedSample(samples[0]!, 40)));
    expect(calls.image).toBe(1);
    expect(new Set(got).size).toBe(1);
    expect(sampleCacheStats().entries).toBe(1);
  });

  it('bounds the decodes in flight, however many samples are asked for at once', async () => {
    clearSampleCache();
    calls.image = 0;
    calls.maxActive = 0;
    // A batch of 16 with 3 more prefetched asks for every fixture sample at once.
    expect(DECODE_CONCURRENCY).toBeLessThan(samples.length);
    const loaded = await Promise.all(samples.map((s) => loadResizedSample(s, 40)));
    expect(loaded).toHaveLength(16);
    expect(calls.image).toBe(16);
    expect(calls.maxActive).toBeGreaterThan(1);
    expect(calls.maxActive).toBeLessThanOrEqual(DECODE_CONCURRENCY);
  });

  it('stays within its byte bound', async () => {
    clearSampleCache();
    const perSample = 64 * 64 * 4 + 200;
    setSampleCacheLimit(perSample * 5);
    calls.image = 0;
    for await (const _ of iterateBatches(samples, opts(0))) void _;
    const stats = sampleCacheStats();
    expect(stats.entries).toBe(5);
    expect(stats.bytes).toBeLessThanOrEqual(stats.limit);
    for await (const _ of iterateBatches(samples, opts(1))) void _;
    // With room for 5 of 16, most of the second epoch is decoded again.
    expect(calls.image).toBeGreaterThan(16 + 8);
    setSampleCacheLimit(0);
    expect(sampleCacheStats().entries).toBe(0);
  });
});
