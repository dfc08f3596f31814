// The reference augmentation pipeline (albumentations semantics), the one implementation used
// by training and by the studio's preview:
//   Resize(size)
//   OneOf([RandomResizedCrop(size, scale, ratio 3/4–4/3), Rotate(±limit, reflect-101)], p)
//   OneOf([HorizontalFlip, VerticalFlip], p)
//   OneOf([RandomBrightnessContrast(±b, ±c), RandomGamma(min–max)], p)
//   OneOf([GaussNoise(var min–max), GaussianBlur(odd kernel min–max)], p)
// OneOf picks its children with equal weight. Each stage draws from its own forked Rng, so
// changing one stage's probability does not reshuffle the draws of the others.
import type { AugmentConfig } from '../../shared/run-config';
import type { BinaryMask, RgbImage } from '../types';
import type { Rng } from '../util/rng';
import { cropResize, flip, randomCropRect, rotate } from './geometric';
import { gaussianBlur, gaussNoise, oddKernelSizes } from './noise';
import { brightnessContrast, gammaCorrect } from './photometric';
import { resizeImage, resizeMask } from './resize';

export interface AugmentResult {
  image: RgbImage;
  mask?: BinaryMask;
  /** Names of the transforms applied, in order (after the initial Resize). */
  applied: string[];
}

const CROP_RATIO: [number, number] = [3 / 4, 4 / 3];

/** Resize to size×size (aspect not kept, as the reference): photo antialiased bilinear, mask nearest. */
export function resizeSample(image: RgbImage, mask: BinaryMask | undefined, size: number): { image: RgbImage; mask?: BinaryMask } {
  const out: { image: RgbImage; mask?: BinaryMask } = { image: resizeImage(image, size, size) };
  if (mask) {
    if (mask.width !== image.width || mask.height !== image.height) {
      throw new Error(`mask is ${mask.width}×${mask.height} but its image is ${image.width}×${image.height}`);
    }
    out.mask = resizeMask(mask, size, size);
  }
  return out;
}

/**
 * Augments one sample. Input of any size (an image already at size×size skips the resize, which
 * is how the batch loader feeds its cached samples). Inputs are never modified.
 */
export function augmentSample(
  image: RgbImage,
  mask: BinaryMask | undefined,
  config: AugmentConfig | undefined,
  rng: Rng,
  size: number,
): AugmentResult {
  let cur = resizeSample(image, mask, size);
  const applied: string[] = [];
  if (!config || !config.enabled) return { ...cur, applied };
  // Forked up front, always all four, so each stage's stream is fixed by the sample's rng alone.
  const geoRng = rng.fork(1);
  const flipRng = rng.fork(2);
  const colorRng = rng.fork(3);
  const noiseRng = rng.fork(4);

  const g = config.geometric;
  if (geoRng.next() < g.p) {
    if (geoRng.next() < 0.5) {
      const rect = randomCropRect(geoRng, size, size, [g.cropScaleMin, g.cropScaleMax], CROP_RATIO);
      cur = cropResize(cur.image, cur.mask, rect, size);
      applied.push('RandomResizedCrop');
    } else {
      cur = rotate(cur.image, cur.mask, geoRng.uniform(-g.rotateLimit, g.rotateLimit));
      applied.push('Rotate');
    }
  }
  if (flipRng.next() < config.flip.p) {
    const horizontal = flipRng.next() < 0.5;
    cur = flip(cur.image, cur.mask, horizontal);
    applied.push(horizontal ? 'HorizontalFlip' : 'VerticalFlip');
  }
  const c = config.color;
  if (colorRng.next() < c.p) {
    if (colorRng.next() < 0.5) {
      const alpha = 1 + colorRng.uniform(-c.contrastLimit, c.contrastLimit);
      const beta = colorRng.uniform(-c.brightnessLimit, c.brightnessLimit);
      cur = { ...cur, image: brightnessContrast(cur.image, alpha, beta) };
      applied.push('RandomBrightnessContrast');
    } else {
      cur = { ...cur, image: gammaCorrect(cur.image, colorRng.uniform(c.gammaMin, c.gammaMax) / 100) };
      applied.push('RandomGamma');
    }
  }
  const n = config.noise;
  if (noiseRng.next() < n.p) {
    if (noiseRng.next() < 0.5) {
      const variance = noiseRng.uniform(n.noiseVarMin, n.noiseVarMax);
      cur = { ...cur, image: gaussNoise(cur.image, Math.sqrt(variance), noiseRng) };
      applied.push('GaussNoise');
    } else {
      const sizes = oddKernelSizes(n.blurMin, n.blurMax);
      cur = { ...cur, image: gaussianBlur(cur.image, sizes[noiseRng.int(0, sizes.length - 1)]!) };
      applied.push('GaussianBlur');
    }
  }
  return { ...cur, applied };
}
