// The model's input for one photo, shared by evaluation (through the batch loader) and
// prediction so both see identical pixels: resize to size×size (antialiased bilinear, aspect
// not kept, as in training) and ImageNet-normalise into HWC floats.
import type { RgbImage } from '../types';
import { normalizeImageNet } from '../augment/normalize';
import { resizeImage } from '../augment/resize';

/** Writes size·size·3 floats at out[offset ...]. */
export function modelInputFromImage(img: RgbImage, size: number, out: Float32Array, offset: number): void {
  const resized = img.width === size && img.height === size ? img : resizeImage(img, size, size);
  normalizeImageNet(resized, out, offset);
}
