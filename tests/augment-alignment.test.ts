// The mask must stay on the pixels it labels under every geometric transform: each is forced
// on for a synthetic sample whose colour encodes the mask, and colour and mask must agree
// everywhere except on the 1-px edges (where bilinear photo and nearest mask legitimately differ).
import { describe, expect, it } from 'vitest';
import { augmentSample, resizeSample } from '../src/engine/augment/pipeline';
import { cropResize, flip, randomCropRect, rotate } from '../src/engine/augment/geometric';
import { Rng } from '../src/engine/util/rng';
import { alignment, bytesEqual, onlyStages, syntheticSample } from './augment-helpers';

const SIZE = 128;
const src = syntheticSample(300, 200);

function expectAligned(out: { image: { width: number; height: number }; mask?: { data: Uint8Array; width: number; height: number } }) {
  const a = alignment(out.image as never, out.mask!);
  expect(out.mask!.width).toBe(out.image.width);
  expect(a.checked).toBeGreaterThan(SIZE * SIZE * 0.8);
  // Both classes are present among the checked pixels, so agreement is not trivial.
  expect(a.fg).toBeGreaterThan(a.checked * 0.1);
  expect(a.fg).toBeLessThan(a.checked * 0.9);
  expect(a.wrong).toBe(0);
}

describe('mask stays aligned with the photo', () => {
  const base = resizeSample(src.image, src.mask, SIZE);

  it('Resize (300×200 → 128², aspect changes)', () => {
    expectAligned(base);
  });

  it('the check itself catches a misaligned mask (a 3-px shift)', () => {
    const shifted = new Uint8Array(base.mask!.data.length);
    for (let y = 0; y < SIZE; y++) for (let x = 3; x < SIZE; x++) shifted[y * SIZE + x] = base.mask!.data[y * SIZE + x - 3]!;
    const a = alignment(base.image, { width: SIZE, height: SIZE, data: shifted });
    expect(a.wrong).toBeGreaterThan(100);
  });

  it('RandomResizedCrop, several windows including off-centre and non-square ones', () => {
    const rng = new Rng(5);
    const rects = [
      { x: 0, y: 0, width: 100, height: 128 },
      { x: 20, y: 31, width: 96, height: 80 },
      ...Array.from({ length: 6 }, () => randomCropRect(rng, SIZE, SIZE, [0.8, 1], [3 / 4, 4 / 3])),
    ];
    for (const rect of rects) {
      const out = cropResize(base.image, base.mask, rect, SIZE);
      expectAligned(out);
      if (rect.width < SIZE) expect(bytesEqual(out.mask!.data, base.mask!.data)).toBe(false);
    }
  });

  it('Rotate at several angles, reflect-101 corners included', () => {
    for (const deg of [-30, -17.3, 5, 12.5, 30, 90]) {
      const out = rotate(base.image, base.mask, deg);
      expectAligned(out);
      expect(bytesEqual(out.mask!.data, base.mask!.data)).toBe(false);
    }
  });

  it('Rotate by 90° is the exact counter-clockwise permutation', () => {
    const out = rotate(base.image, base.mask, 90);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        // Counter-clockwise as displayed: the source's top-right corner lands top-left.
        const s = x * SIZE + (SIZE - 1 - y);
        expect(out.mask!.data[y * SIZE + x]).toBe(base.mask!.data[s]);
        expect(out.image.data[(y * SIZE + x) * 3]).toBe(base.image.data[s * 3]);
      }
    }
  });

  it('HorizontalFlip and VerticalFlip mirror photo and mask together', () => {
    for (const horizontal of [true, false]) {
      const out = flip(base.image, base.mask, horizontal);
      expectAligned(out);
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const s = horizontal ? y * SIZE + (SIZE - 1 - x) : (SIZE - 1 - y) * SIZE + x;
          expect(out.mask!.data[y * SIZE + x]).toBe(base.mask!.data[s]);
        }
      }
    }
  });

  it('through augmentSample with each geometric stage forced on', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const out = augmentSample(src.image, src.mask, onlyStages({ geometric: 1, flip: 1 }), new Rng(seed), SIZE);
      expect(out.applied).toHaveLength(2);
      for (const a of out.applied) seen.add(a);
      expectAligned(out);
    }
    expect([...seen].sort()).toEqual(['HorizontalFlip', 'RandomResizedCrop', 'Rotate', 'VerticalFlip']);
  });

  it('through the full default pipeline at 256², over many seeds', () => {
    // Noise off: it can push single textured pixels across the colour test by itself.
    const cfg = onlyStages({ geometric: 0.5, flip: 0.5, color: 0.3, noise: 0 });
    for (let seed = 0; seed < 30; seed++) {
      const out = augmentSample(src.image, src.mask, cfg, new Rng(seed), 256);
      // Resize then crop-resize blends the photo's edges twice: skip 2 px around edges.
      const a = alignment(out.image, out.mask!, 2);
      expect(a.checked).toBeGreaterThan(256 * 256 * 0.7);
      expect(a.wrong).toBe(0);
    }
  });
});
