// Geometric transforms of the reference pipeline. Each moves photo and mask together: the photo
// resampled bilinearly, the mask by nearest neighbour at the very same source coordinate, so
// labels never drift from the pixels they describe.
import type { BinaryMask, RgbImage } from '../types';
import type { Rng } from '../util/rng';
import { reflect101 } from './border';
import { resizeImageRegion, resizeMaskRegion, type Rect } from './resize';

/**
 * RandomResizedCrop's window (the torchvision/albumentations algorithm): up to 10 tries at an
 * area fraction from `scale` and an aspect ratio log-uniform in `ratio`; if none fits, the
 * largest centred crop with the ratio clamped into range.
 */
export function randomCropRect(rng: Rng, width: number, height: number, scale: [number, number], ratio: [number, number]): Rect {
  const area = width * height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return { x: rng.int(0, width - w), y: rng.int(0, height - h), width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { x: (width - w) >> 1, y: (height - h) >> 1, width: w, height: h };
}

/** Crops `rect` and resizes it to size×size. */
export function cropResize(image: RgbImage, mask: BinaryMask | undefined, rect: Rect, size: number) {
  return {
    image: resizeImageRegion(image, rect, size, size),
    mask: mask ? resizeMaskRegion(mask, rect, size, size) : undefined,
  };
}

/**
 * Rotates by `degrees` (counter-clockwise as displayed) about the image centre, keeping the size;
 * uncovered corners are filled by reflect-101, for the mask as well as the photo (as the reference).
 */
export function rotate(image: RgbImage, mask: BinaryMask | undefined, degrees: number) {
  const { width: w, height: h } = image;
  const rad = (degrees * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const src = image.data;
  const out = new Uint8Array(w * h * 3);
  const mOut = mask ? new Uint8Array(w * h) : undefined;
  const md = mask?.data;
  for (let y = 0; y < h; y++) {
    const dy = y - cy;
    // Inverse map: which source point lands on (x, y). y grows downwards, hence the signs.
    // Stepping x by one moves the source point by (cos, sin).
    let sx = cx - cos * cx - sin * dy;
    let sy = cy - sin * cx + cos * dy;
    for (let x = 0; x < w; x++, sx += cos, sy += sin) {
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let xa: number, xb: number, ya: number, yb: number;
      if (x0 >= 0 && x0 < w - 1 && y0 >= 0 && y0 < h - 1) {
        // Interior (most pixels): no border folding needed.
        xa = x0;
        xb = x0 + 1;
        ya = y0 * w;
        yb = ya + w;
      } else {
        xa = reflect101(x0, w);
        xb = reflect101(x0 + 1, w);
        ya = reflect101(y0, h) * w;
        yb = reflect101(y0 + 1, h) * w;
      }
      const p00 = (ya + xa) * 3;
      const p01 = (ya + xb) * 3;
      const p10 = (yb + xa) * 3;
      const p11 = (yb + xb) * 3;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const o = (y * w + x) * 3;
      out[o] = w00 * src[p00]! + w01 * src[p01]! + w10 * src[p10]! + w11 * src[p11]! + 0.5;
      out[o + 1] = w00 * src[p00 + 1]! + w01 * src[p01 + 1]! + w10 * src[p10 + 1]! + w11 * src[p11 + 1]! + 0.5;
      out[o + 2] = w00 * src[p00 + 2]! + w01 * src[p01 + 2]! + w10 * src[p10 + 2]! + w11 * src[p11 + 2]! + 0.5;
      if (md && mOut) {
        // Nearest: the pixel whose centre is closest to the same source point.
        const nx = fx < 0.5 ? x0 : x0 + 1;
        const ny = fy < 0.5 ? y0 : y0 + 1;
        mOut[y * w + x] = md[reflect101(ny, h) * w + reflect101(nx, w)]!;
      }
    }
  }
  return { image: { width: w, height: h, data: out }, mask: mask && mOut ? { width: w, height: h, data: mOut } : undefined };
}

function flipData(data: Uint8Array, w: number, h: number, channels: number, horizontal: boolean): Uint8Array {
  const out = new Uint8Array(data.length);
  const stride = w * channels;
  for (let y = 0; y < h; y++) {
    const sy = horizontal ? y : h - 1 - y;
    if (!horizontal) {
      out.set(data.subarray(sy * stride, sy * stride + stride), y * stride);
      continue;
    }
    for (let x = 0; x < w; x++) {
      const s = y * stride + (w - 1 - x) * channels;
      const d = y * stride + x * channels;
      for (let c = 0; c < channels; c++) out[d + c] = data[s + c]!;
    }
  }
  return out;
}

/** Mirror left-right (horizontal) or top-bottom (vertical). */
export function flip(image: RgbImage, mask: BinaryMask | undefined, horizontal: boolean) {
  return {
    image: { width: image.width, height: image.height, data: flipData(image.data, image.width, image.height, 3, horizontal) },
    mask: mask ? { width: mask.width, height: mask.height, data: flipData(mask.data, mask.width, mask.height, 1, horizontal) } : undefined,
  };
}
