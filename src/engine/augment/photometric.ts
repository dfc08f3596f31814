// Colour transforms of the reference pipeline, as 256-entry lookup tables on the 8-bit photo.
// They never touch the mask.
import type { RgbImage } from '../types';

function applyLut(img: RgbImage, lut: Uint8Array): RgbImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = lut[img.data[i]!]!;
  return { width: img.width, height: img.height, data: out };
}

function clampLut(f: (v: number) => number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.max(0, Math.round(f(v))));
  return lut;
}

/**
 * RandomBrightnessContrast with brightness relative to the maximum value: v·alpha + beta·255,
 * where alpha = 1 + contrast shift and beta = brightness shift (both drawn in ±limit).
 */
export function brightnessContrast(img: RgbImage, alpha: number, beta: number): RgbImage {
  return applyLut(img, clampLut((v) => v * alpha + beta * 255));
}

/** RandomGamma: 255·(v/255)^gamma (the reference draws gamma in [80, 120] / 100). */
export function gammaCorrect(img: RgbImage, gamma: number): RgbImage {
  return applyLut(img, clampLut((v) => 255 * Math.pow(v / 255, gamma)));
}
