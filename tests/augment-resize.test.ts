// Resizing: area-averaging when shrinking a lot (no aliasing), exact bilinear when enlarging,
// nearest-neighbour masks on the same pixel centres, ImageNet normalisation, and the model input
// used by prediction being the one evaluation uses.
import { describe, expect, it } from 'vitest';
import { resizeImage, resizeMask, resizeImageRegion } from '../src/engine/augment/resize';
import { normalizeImageNet } from '../src/engine/augment/normalize';
import { resizeSample } from '../src/engine/augment/pipeline';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import type { RgbImage } from '../src/engine/types';
import { syntheticSample } from './augment-helpers';

function checkerboard(n: number): RgbImage {
  const data = new Uint8Array(n * n * 3);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data.fill((x + y) % 2 ? 255 : 0, (y * n + x) * 3, (y * n + x) * 3 + 3);
  return { width: n, height: n, data };
}

describe('resizeImage', () => {
  it('averages a 1-px checkerboard to mid grey when shrinking 1646 → 64 (no aliasing)', () => {
    const out = resizeImage(checkerboard(1646), 64, 64);
    for (const v of out.data) expect(Math.abs(v - 127.5)).toBeLessThan(4);
  });

  it('is exact bilinear with half-pixel centres when enlarging', () => {
    const img: RgbImage = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 200, 100, 40]) };
    const out = resizeImage(img, 4, 1);
    // Output centres 0.25, 0.75, 1.25, 1.75 in source pixels → weights 0, .25, .75, 1 of the right pixel.
    expect(Array.from(out.data.filter((_, i) => i % 3 === 0))).toEqual([0, 50, 150, 200]);
  });

  it('keeps flat images flat at odd scales and crops', () => {
    const img: RgbImage = { width: 333, height: 500, data: new Uint8Array(333 * 500 * 3).fill(91) };
    for (const [w, h] of [[64, 64], [256, 256], [1000, 7]]) expect(new Set(resizeImage(img, w!, h!).data)).toEqual(new Set([91]));
    expect(new Set(resizeImageRegion(img, { x: 300, y: 450, width: 33, height: 50 }, 256, 256).data)).toEqual(new Set([91]));
  });

  it('handles 1-pixel images and the identity size', () => {
    const one: RgbImage = { width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) };
    expect(Array.from(resizeImage(one, 2, 2).data)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const img = syntheticSample(40, 30).image;
    const same = resizeImage(img, 40, 30);
    expect(Buffer.from(same.data).equals(Buffer.from(img.data))).toBe(true);
    expect(same.data).not.toBe(img.data);
  });
});

describe('resizeMask / resizeSample', () => {
  it('nearest neighbour keeps values 0/1 and picks the pixel under each output centre', () => {
    const m = { width: 4, height: 1, data: Uint8Array.from([0, 1, 1, 0]) };
    expect(Array.from(resizeMask(m, 2, 1).data)).toEqual([1, 0]); // centres 1.0 → px 1, 3.0 → px 3
    expect(Array.from(resizeMask(m, 8, 1).data)).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
  });

  it('refuses a mask of another size than its photo', () => {
    const s = syntheticSample(40, 30);
    expect(() => resizeSample(s.image, { width: 20, height: 15, data: new Uint8Array(300) }, 32)).toThrow(/20×15 but its image is 40×30/);
  });
});

describe('normalizeImageNet / modelInputFromImage', () => {
  it('(v/255 − mean)/std per channel, HWC, at an offset', () => {
    const img: RgbImage = { width: 1, height: 2, data: Uint8Array.from([0, 128, 255, 255, 0, 64]) };
    const out = new Float32Array(10).fill(9);
    normalizeImageNet(img, out, 2);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    expect(out[0]).toBe(9);
    expect(out[1]).toBe(9);
    for (let i = 0; i < 6; i++) expect(out[2 + i]).toBeCloseTo((img.data[i]! / 255 - mean[i % 3]!) / std[i % 3]!, 5);
    expect(out[8]).toBe(9);
    expect(() => normalizeImageNet(img, new Float32Array(5))).toThrow(/needs 6/);
  });

  it('model input = resize then normalise, written at the offset', () => {
    const img = syntheticSample(300, 200).image;
    const out = new Float32Array(2 * 32 * 32 * 3);
    modelInputFromImage(img, 32, out, 32 * 32 * 3);
    const expected = normalizeImageNet(resizeImage(img, 32, 32));
    expect(Array.from(out.subarray(32 * 32 * 3))).toEqual(Array.from(expected));
    expect(out.subarray(0, 32 * 32 * 3).every((v) => v === 0)).toBe(true);
  });
});
