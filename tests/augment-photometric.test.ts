// Colour, noise and blur transforms change only the photo, by the reference formulas.
import { describe, expect, it } from 'vitest';
import { augmentSample, resizeSample } from '../src/engine/augment/pipeline';
import { brightnessContrast, gammaCorrect } from '../src/engine/augment/photometric';
import { gaussianBlur, gaussNoise, oddKernelSizes, sigmaForKernel } from '../src/engine/augment/noise';
import { Rng } from '../src/engine/util/rng';
import type { RgbImage } from '../src/engine/types';
import { bytesEqual, onlyStages, syntheticSample } from './augment-helpers';

const SIZE = 96;
const src = syntheticSample(160, 120, 3);
const base = resizeSample(src.image, src.mask, SIZE);

describe('photometric and noise stages leave the mask untouched', () => {
  it('each of RandomBrightnessContrast, RandomGamma, GaussNoise, GaussianBlur', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const out = augmentSample(src.image, src.mask, onlyStages({ color: 1, noise: 1 }), new Rng(seed), SIZE);
      out.applied.forEach((a) => seen.add(a));
      expect(out.applied).toHaveLength(2);
      expect(bytesEqual(out.mask!.data, base.mask!.data)).toBe(true);
      expect(bytesEqual(out.image.data, base.image.data)).toBe(false);
    }
    expect([...seen].sort()).toEqual(['GaussNoise', 'GaussianBlur', 'RandomBrightnessContrast', 'RandomGamma']);
  });

  it('works without a mask (the preview of an unlabeled photo)', () => {
    const out = augmentSample(src.image, undefined, onlyStages({ geometric: 1, flip: 1, color: 1, noise: 1 }), new Rng(1), SIZE);
    expect(out.mask).toBeUndefined();
    expect(out.image.data.length).toBe(SIZE * SIZE * 3);
  });
});

const flat = (v: number, n = 16): RgbImage => ({ width: n, height: n, data: new Uint8Array(n * n * 3).fill(v) });

describe('formulas', () => {
  it('brightness/contrast: v·alpha + beta·255, clipped', () => {
    const img: RgbImage = { width: 4, height: 1, data: Uint8Array.from([0, 50, 100, 128, 200, 255, 10, 20, 30, 240, 250, 5]) };
    const out = brightnessContrast(img, 1.2, 0.1);
    for (let i = 0; i < img.data.length; i++) {
      expect(out.data[i]).toBe(Math.min(255, Math.max(0, Math.round(img.data[i]! * 1.2 + 25.5))));
    }
    expect(img.data[1]).toBe(50); // input untouched
  });

  it('gamma: 255·(v/255)^g', () => {
    const out = gammaCorrect(flat(64), 1.2);
    expect(out.data[0]).toBe(Math.round(255 * (64 / 255) ** 1.2));
    expect(gammaCorrect(flat(255), 0.8).data[5]).toBe(255);
  });

  it('Gaussian noise has the requested standard deviation and zero mean', () => {
    const out = gaussNoise(flat(128, 128), Math.sqrt(50), new Rng(2));
    let sum = 0;
    let sq = 0;
    for (const v of out.data) {
      sum += v - 128;
      sq += (v - 128) ** 2;
    }
    const n = out.data.length;
    expect(Math.abs(sum / n)).toBeLessThan(0.1);
    // Rounding adds 1/12 to the variance.
    expect(sq / n).toBeGreaterThan(48);
    expect(sq / n).toBeLessThan(52.5);
    // Each draw yields two normals (neighbouring channels): they must be independent, not copies
    // or mirror images of each other. 24,576 pairs: a correlation's spread is about 0.0064.
    let cross = 0;
    for (let i = 0; i + 1 < n; i += 2) cross += (out.data[i]! - 128) * (out.data[i + 1]! - 128);
    expect(Math.abs(cross / (n / 2) / (sq / n))).toBeLessThan(0.03);
  });

  it('Gaussian blur keeps flat images flat, spreads an impulse by the OpenCV kernel, and sums to 1', () => {
    expect(new Set(gaussianBlur(flat(77), 7).data)).toEqual(new Set([77]));
    const img = flat(0, 21);
    img.data.fill(255, (10 * 21 + 10) * 3, (10 * 21 + 10) * 3 + 3);
    const out = gaussianBlur(img, 3);
    const s = sigmaForKernel(3);
    const w0 = 1 / (1 + 2 * Math.exp(-1 / (2 * s * s)));
    expect(out.data[(10 * 21 + 10) * 3]).toBe(Math.round(255 * w0 * w0));
    let total = 0;
    for (let i = 0; i < out.data.length; i += 3) total += out.data[i]!;
    expect(Math.abs(total - 255)).toBeLessThan(5);
  });

  it('blur kernel sizes are odd within the configured range', () => {
    expect(oddKernelSizes(3, 7)).toEqual([3, 5, 7]);
    expect(oddKernelSizes(4, 8)).toEqual([5, 7]);
    expect(oddKernelSizes(5, 5)).toEqual([5]);
  });
});
