// ImageNet normalisation, the input convention of the reference models (and of pretrained
// ResNet34 encoders): (v/255 − mean) / std per channel, HWC float32.
import type { RgbImage } from '../types';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

// One 256-entry table per channel: a lookup is cheaper than a divide per value.
const LUT = (() => {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
  return lut;
})();

/** Writes the normalised image at out[offset ...] (allocating out when not given) and returns out. */
export function normalizeImageNet(img: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  const n = img.width * img.height * 3;
  const dst = out ?? new Float32Array(n);
  if (offset + n > dst.length) throw new Error(`normalizeImageNet: output has ${dst.length} floats, needs ${offset + n}`);
  const src = img.data;
  for (let i = 0; i < n; i += 3) {
    dst[offset + i] = LUT[src[i]!]!;
    dst[offset + i + 1] = LUT[256 + src[i + 1]!]!;
    dst[offset + i + 2] = LUT[512 + src[i + 2]!]!;
  }
  return dst;
}
