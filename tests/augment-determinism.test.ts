// Seeded and deterministic: the same seed gives identical bytes, another seed another result;
// disabled augmentation is a plain resize; stage probabilities match the configuration.
import { describe, expect, it } from 'vitest';
import { augmentSample, resizeSample } from '../src/engine/augment/pipeline';
import { augmentConfigSchema } from '../src/shared/run-config';
import { Rng } from '../src/engine/util/rng';
import { bytesEqual, onlyStages, syntheticSample } from './augment-helpers';

const src = syntheticSample(200, 150, 9);
const all = onlyStages({ geometric: 1, flip: 1, color: 1, noise: 1 });

describe('augmentation determinism', () => {
  it('same seed → identical bytes and transforms', () => {
    for (const seed of [0, 1, 42, 1234567]) {
      const a = augmentSample(src.image, src.mask, all, new Rng(seed), 64);
      const b = augmentSample(src.image, src.mask, all, new Rng(seed), 64);
      expect(a.applied).toEqual(b.applied);
      expect(bytesEqual(a.image.data, b.image.data)).toBe(true);
      expect(bytesEqual(a.mask!.data, b.mask!.data)).toBe(true);
    }
  });

  it('different seeds → different results', () => {
    const outs = [1, 2, 3, 4, 5].map((s) => augmentSample(src.image, src.mask, all, new Rng(s), 64));
    for (let i = 1; i < outs.length; i++) expect(bytesEqual(outs[i]!.image.data, outs[0]!.image.data)).toBe(false);
  });

  it('inputs are never modified', () => {
    const before = src.image.data.slice();
    const mBefore = src.mask.data.slice();
    const resized = resizeSample(src.image, src.mask, 64);
    const iCopy = resized.image.data.slice();
    for (let s = 0; s < 10; s++) augmentSample(resized.image, resized.mask, all, new Rng(s), 64);
    expect(bytesEqual(src.image.data, before)).toBe(true);
    expect(bytesEqual(src.mask.data, mBefore)).toBe(true);
    expect(bytesEqual(resized.image.data, iCopy)).toBe(true);
  });

  it('enabled:false and no config are the plain resize', () => {
    const plain = resizeSample(src.image, src.mask, 64);
    for (const cfg of [augmentConfigSchema.parse({ enabled: false }), undefined]) {
      const out = augmentSample(src.image, src.mask, cfg, new Rng(3), 64);
      expect(out.applied).toEqual([]);
      expect(bytesEqual(out.image.data, plain.image.data)).toBe(true);
      expect(bytesEqual(out.mask!.data, plain.mask!.data)).toBe(true);
    }
  });

  it('stage frequencies follow the default probabilities (.5, .5, .3, .2)', () => {
    const cfg = augmentConfigSchema.parse({});
    const small = syntheticSample(32, 32, 1);
    const n = 2000;
    const count = { geo: 0, flip: 0, color: 0, noise: 0 };
    for (let s = 0; s < n; s++) {
      const { applied } = augmentSample(small.image, small.mask, cfg, new Rng(s), 32);
      if (applied.some((a) => a === 'RandomResizedCrop' || a === 'Rotate')) count.geo++;
      if (applied.some((a) => a.endsWith('Flip'))) count.flip++;
      if (applied.some((a) => a === 'RandomBrightnessContrast' || a === 'RandomGamma')) count.color++;
      if (applied.some((a) => a === 'GaussNoise' || a === 'GaussianBlur')) count.noise++;
    }
    // ±4 standard deviations of a binomial at n = 2000.
    const near = (k: number, p: number) => expect(Math.abs(k / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    near(count.geo, 0.5);
    near(count.flip, 0.5);
    near(count.color, 0.3);
    near(count.noise, 0.2);
  });
});
