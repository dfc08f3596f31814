// The batch loader on the real oxford-mini fixture: shapes, ImageNet normalisation identical to
// the prediction path, 0/1 masks, batch counts, seeded per-epoch shuffling and augmentation.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { importDataset } from '../src/engine/data/import-dataset';
import { decodeImage, decodeMask } from '../src/engine/data/decode';
import { resizeMask } from '../src/engine/augment/resize';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import { batchCount, epochOrder, iterateBatches, type Batch, type BatchOptions } from '../src/engine/train/batches';
import { augmentConfigSchema } from '../src/shared/run-config';
import type { Sample } from '../src/engine/types';

let samples: Sample[] = [];
const S = 64;

beforeAll(async () => {
  samples = (await importDataset(join(__dirname, 'fixtures/oxford-mini'))).samples;
});

async function collect(list: Sample[], opts: Partial<BatchOptions>): Promise<Batch[]> {
  const out: Batch[] = [];
  const full: BatchOptions = { size: S, batchSize: 4, augment: undefined, seed: 1, epoch: 0, shuffle: false, dropLast: false, ...opts };
  for await (const b of iterateBatches(list, full)) out.push(b);
  return out;
}

describe('batchCount', () => {
  it('drops or keeps the last partial batch', () => {
    expect(batchCount(16, 5)).toBe(3);
    expect(batchCount(16, 5, false)).toBe(4);
    expect(batchCount(16, 4)).toBe(4);
    expect(batchCount(3, 4)).toBe(0);
    expect(batchCount(3, 4, false)).toBe(1);
    expect(batchCount(0, 4, false)).toBe(0);
  });
});

describe('iterateBatches', () => {
  it('yields NHWC normalised photos and 0/1 masks equal to the evaluation/prediction path', async () => {
    const batches = await collect(samples, { batchSize: 5 });
    expect(batches.map((b) => b.ids.length)).toEqual([5, 5, 5, 1]);
    expect(batches.flatMap((b) => b.ids)).toEqual(samples.map((s) => s.id));
    const b = batches[0]!;
    expect(b.x.length).toBe(5 * S * S * 3);
    expect(b.y.length).toBe(5 * S * S);
    for (let j = 0; j < 2; j++) {
      const s = samples[j]!;
      const want = new Float32Array(S * S * 3);
      modelInputFromImage(await decodeImage(s.imagePath), S, want, 0);
      expect(Array.from(b.x.subarray(j * S * S * 3, (j + 1) * S * S * 3))).toEqual(Array.from(want));
      const mask = resizeMask(await decodeMask(s.maskPath!, 'trimap'), S, S);
      expect(Array.from(b.y.subarray(j * S * S, (j + 1) * S * S))).toEqual(Array.from(mask.data));
    }
    const ys = new Set(b.y);
    expect(ys).toEqual(new Set([0, 1]));
    // Normalised range: (0−0.485)/0.229 … (1−0.406)/0.225.
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of b.x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(-2.12);
    expect(hi).toBeLessThanOrEqual(2.65);
    expect(hi - lo).toBeGreaterThan(2);
  });

  it('dropLast drops the partial batch', async () => {
    const batches = await collect(samples, { batchSize: 5, dropLast: true });
    expect(batches.map((b) => b.ids.length)).toEqual([5, 5, 5]);
  });

  it('shuffles per epoch, seeded: same seed+epoch same order, another epoch another order', async () => {
    const order = async (seed: number, epoch: number) => (await collect(samples, { seed, epoch, shuffle: true, size: 32 })).flatMap((b) => b.ids);
    const a = await order(1, 0);
    expect(await order(1, 0)).toEqual(a);
    expect([...a].sort()).toEqual(samples.map((s) => s.id).sort());
    expect(await order(1, 1)).not.toEqual(a);
    expect(await order(2, 0)).not.toEqual(a);
    expect(epochOrder(5, 1, 0, false)).toEqual([0, 1, 2, 3, 4]);
  });

  it('augments deterministically per (seed, epoch, sample), whatever the batch size', async () => {
    const augment = augmentConfigSchema.parse({ geometric: { p: 1 }, flip: { p: 1 }, color: { p: 1 } });
    const list = samples.slice(0, 6);
    const a = await collect(list, { augment, batchSize: 2 });
    const b = await collect(list, { augment, batchSize: 3 });
    const c = await collect(list, { augment, batchSize: 2, epoch: 1 });
    const plain = await collect(list, { batchSize: 6 });
    const flatX = (bs: Batch[]) => Float32Array.from(bs.flatMap((x) => Array.from(x.x)));
    const flatY = (bs: Batch[]) => Float32Array.from(bs.flatMap((x) => Array.from(x.y)));
    expect(flatX(a)).toEqual(flatX(b));
    expect(flatY(a)).toEqual(flatY(b));
    expect(flatX(a)).not.toEqual(flatX(c));
    expect(flatX(a)).not.toEqual(flatX(plain));
    expect(flatY(a)).not.toEqual(flatY(plain));
  });

  it('rejects an unlabeled sample and an undecodable photo, naming the file', async () => {
    const unlabeled = { ...samples[0]!, maskPath: undefined };
    await expect(collect([unlabeled], {})).rejects.toThrow(/has no mask/);
    const broken = join(__dirname, 'fixtures/oxford-broken/images/Abyssinian_900.jpg');
    const bad = { ...samples[0]!, id: 'Abyssinian_900', imagePath: broken, width: 192, height: 288 };
    await expect(collect([bad], {})).rejects.toThrow(`${broken}: cannot decode image`);
  });

  it('a consumer that stops early leaves no unhandled rejection behind', async () => {
    const broken = join(__dirname, 'fixtures/oxford-broken/images/Abyssinian_900.jpg');
    const list = [...samples.slice(0, 4), { ...samples[0]!, id: 'bad', imagePath: broken }];
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      for await (const b of iterateBatches(list, { size: S, batchSize: 2, augment: undefined, seed: 0, epoch: 0, shuffle: false, dropLast: false })) {
        expect(b.ids).toHaveLength(2);
        break;
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
