// Synthetic samples for the augmentation tests: the photo's colour encodes its mask (pet pixels
// red, background blue, each with a little seeded texture), so any geometric disagreement
// between photo and mask shows up as a red pixel labelled 0 or a blue one labelled 1.
import type { BinaryMask, RgbImage } from '../src/engine/types';
import { Rng } from '../src/engine/util/rng';
import { augmentConfigSchema, type AugmentConfig } from '../src/shared/run-config';

export function syntheticSample(width: number, height: number, seed = 1): { image: RgbImage; mask: BinaryMask } {
  const rng = new Rng(seed);
  const mask = new Uint8Array(width * height);
  const image = new Uint8Array(width * height * 3);
  // An off-centre ellipse, a rectangle touching the right edge and a diagonal band: edges in
  // every direction and shapes at the border (where rotation reflects).
  const ex = width * 0.35;
  const ey = height * 0.45;
  const rx = width * 0.22;
  const ry = height * 0.3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inEllipse = ((x - ex) / rx) ** 2 + ((y - ey) / ry) ** 2 <= 1;
      const inRect = x > width * 0.8 && y > height * 0.1 && y < height * 0.3;
      const inBand = Math.abs(x - y - width * 0.3) < width * 0.04;
      const m = inEllipse || inRect || inBand ? 1 : 0;
      mask[y * width + x] = m;
      const t = rng.int(-15, 15);
      const p = (y * width + x) * 3;
      image[p] = m ? 200 + t : 40 + t;
      image[p + 1] = 90 + t;
      image[p + 2] = m ? 40 + t : 200 + t;
    }
  }
  return { image: { width, height, data: image }, mask: { width, height, data: mask } };
}

/** Class the photo's colour says a pixel has. */
export const colourClass = (img: RgbImage, i: number): number => (img.data[i * 3]! > img.data[i * 3 + 2]! ? 1 : 0);

function nearEdge(mask: BinaryMask, x: number, y: number, radius: number): boolean {
  const { width: w, data } = mask;
  const m = data[y * w + x];
  if (radius === 1) return data[y * w + x - 1] !== m || data[y * w + x + 1] !== m || data[(y - 1) * w + x] !== m || data[(y + 1) * w + x] !== m;
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (data[(y + dy) * w + x + dx] !== m) return true;
  return false;
}

/**
 * Compares photo colour with mask away from edges: radius 1 skips pixels whose 4-neighbours
 * differ (the 1-px edge); radius r > 1 skips pixels with a differing pixel within r (for chains of
 * resamplings, each of which blends the photo's edge over about one more pixel).
 * Returns the number checked, the disagreements and the foreground pixels checked.
 */
export function alignment(img: RgbImage, mask: BinaryMask, radius = 1): { checked: number; wrong: number; fg: number } {
  const { width: w, height: h } = mask;
  let checked = 0;
  let wrong = 0;
  let fg = 0;
  for (let y = radius; y < h - radius; y++) {
    for (let x = radius; x < w - radius; x++) {
      const i = y * w + x;
      const m = mask.data[i]!;
      if (nearEdge(mask, x, y, radius)) continue;
      checked++;
      fg += m;
      if (colourClass(img, i) !== m) wrong++;
    }
  }
  return { checked, wrong, fg };
}

/** A config with every stage off except the given probabilities. */
export function onlyStages(p: { geometric?: number; flip?: number; color?: number; noise?: number }): AugmentConfig {
  return augmentConfigSchema.parse({
    geometric: { p: p.geometric ?? 0 },
    flip: { p: p.flip ?? 0 },
    color: { p: p.color ?? 0 },
    noise: { p: p.noise ?? 0 },
  });
}

export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
