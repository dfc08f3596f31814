// The pixel limit: an image over MAX_IMAGE_PIXELS is refused from its header — at import (named
// in `skipped`), and when training or predicting decodes it — fast and without the memory its
// decode would take. The files are real PNGs (one colour, a few hundred KB; see huge-png.ts).
// 15000×15000 matters most: it is within sharp's own default limit (268 MP), so before the studio
// had a limit it was decoded (675 MB of RGB). 20000×20000 is the size the issue names.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeMask, readImageSize } from '../src/engine/data/decode';
import { importDataset } from '../src/engine/data/import-dataset';
import { loadResizedSample } from '../src/engine/data/sample-cache';
import { MAX_IMAGE_PIXELS, pixelLimitProblem, readCheckedHeader } from '../src/engine/data/pixel-limit';
import type { Sample } from '../src/engine/types';
import { writeHugePng } from './helpers/huge-png';

const MINI = resolve('tests/fixtures/oxford-mini');
const MB = 1024 * 1024;

describe('pixel limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-pixels-'));
  const data = join(dir, 'set');
  const big15 = join(data, 'images', 'big15k.png');
  const big20 = join(data, 'images', 'big20k.png');
  const bigMask = join(data, 'masks', 'good_big_mask.png');
  const atLimit = join(dir, 'at-limit.png');
  const overLimit = join(dir, 'over-limit.png');

  beforeAll(() => {
    mkdirSync(join(data, 'images'), { recursive: true });
    mkdirSync(join(data, 'masks'), { recursive: true });
    copyFileSync(join(MINI, 'images/Abyssinian_192.jpg'), join(data, 'images', 'good.jpg'));
    // good.jpg stays unlabeled (generic layout); good_big_mask.jpg is a good photo with an oversized mask.
    copyFileSync(join(MINI, 'images/Abyssinian_193.jpg'), join(data, 'images', 'good_big_mask.jpg'));
    writeHugePng(big15, { width: 15000, height: 15000, channels: 3, value: [120, 60, 30] });
    writeHugePng(big20, { width: 20000, height: 20000, channels: 1 });
    writeHugePng(bigMask, { width: 15000, height: 15000, channels: 1 });
    writeHugePng(atLimit, { width: 10000, height: 10000, channels: 1 });
    writeHugePng(overLimit, { width: 10001, height: 10000, channels: 1 });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is 100 megapixels: 10000×10000 passes the header check, 10001×10000 does not', async () => {
    expect(MAX_IMAGE_PIXELS).toBe(100_000_000);
    expect(pixelLimitProblem(10000, 10000)).toBeUndefined();
    await expect(readCheckedHeader(atLimit)).resolves.toMatchObject({ width: 10000, height: 10000, format: 'png' });
    await expect(readImageSize(overLimit)).rejects.toThrow(`${overLimit}: image is 10001×10000 (100.01 megapixels), over the limit of 100 megapixels`);
  });

  it('import names each oversized photo and mask in skipped, from headers, fast and without decoding', async () => {
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const r = await importDataset(data);
    const ms = performance.now() - t0;
    const grew = process.memoryUsage().rss - rss0;
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.file, s.reason]));
    expect(reasons).toEqual({
      [big15]: 'image is 15000×15000 (225 megapixels), over the limit of 100 megapixels',
      [big20]: 'image is 20000×20000 (400 megapixels), over the limit of 100 megapixels',
      [bigMask]: 'image is 15000×15000 (225 megapixels), over the limit of 100 megapixels',
    });
    expect(r.samples.map((s) => s.id)).toEqual(['good']);
    expect(ms).toBeLessThan(1000);
    expect(grew).toBeLessThan(100 * MB);
  });

  it('training and prediction decodes refuse an oversized photo or mask from its header, fast', async () => {
    for (const file of [big15, big20]) {
      const rss0 = process.memoryUsage().rss;
      const t0 = performance.now();
      await expect(decodeImage(file)).rejects.toThrow(`${file}: image is`);
      // The training loader (sample cache) goes through the same decode.
      const sample: Sample = { id: 'x', imagePath: file, maskEncoding: 'binary', split: 'train', width: 1, height: 1 };
      await expect(loadResizedSample(sample, 32, false)).rejects.toThrow(/over the limit of 100 megapixels/);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * MB);
    }
    await expect(decodeMask(bigMask, 'binary')).rejects.toThrow(`${bigMask}: image is 15000×15000`);
  });
});
