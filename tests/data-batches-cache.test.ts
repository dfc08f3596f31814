// Prefetching and the decoded-sample cache, observed by counting the decoder's calls.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../src/engine/data/import-dataset';
import { clearSampleCache, sampleCacheStats, setSampleCacheLimit, DEFAULT_CACHE_BYTES } from '../src/engine/data/sample-cache';
import { iterateBatches, type BatchOptions } from '../src/engine/train/batches';
import type { Sample } from '../src/engine/types';

const calls = vi.hoisted(() => ({ image: 0, mask: 0 }));
vi.mock('../src/engine/data/decode', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/engine/data/decode')>();
  return {
    ...real,
    decodeImage: (p: string) => {
      calls.image++;
      return real.decodeImage(p);
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
