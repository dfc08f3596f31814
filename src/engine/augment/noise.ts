// Noise and blur of the reference pipeline. Photo only; the mask is never touched.
import type { RgbImage } from '../types';
import type { Rng } from '../util/rng';
import { reflect101 } from './border';

/**
 * GaussNoise: adds zero-mean normal noise with standard deviation sigma (the reference draws the
 * variance, in 8-bit units², from var_limit) independently per pixel and channel, then clips.
 */
export function gaussNoise(img: RgbImage, sigma: number, rng: Rng): RgbImage {
  const src = img.data;
  const out = new Uint8Array(src.length);
  // Marsaglia's polar method: two independent normals per accepted pair of uniforms, with no
  // sin/cos (about a third faster than Box–Muller here; 21% of pairs are rejected and redrawn).
  for (let i = 0; i < src.length; i += 2) {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * rng.next() - 1;
      v = 2 * rng.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = sigma * Math.sqrt((-2 * Math.log(s)) / s);
    const a = src[i]! + u * f;
    out[i] = a <= 0 ? 0 : a >= 255 ? 255 : a + 0.5;
    if (i + 1 < src.length) {
      const b = src[i + 1]! + v * f;
      out[i + 1] = b <= 0 ? 0 : b >= 255 ? 255 : b + 0.5;
    }
  }
  return { width: img.width, height: img.height, data: out };
}

/** OpenCV's sigma for a Gaussian kernel of odd size k when none is given. */
export function sigmaForKernel(k: number): number {
  return 0.3 * ((k - 1) * 0.5 - 1) + 0.8;
}

function kernel1d(k: number): Float32Array {
  const sigma = sigmaForKernel(k);
  const r = (k - 1) >> 1;
  const w = new Float32Array(k);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += w[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k; i++) w[i] /= sum;
  return w;
}

/** GaussianBlur with an odd square kernel of size k, separable, reflect-101 borders. */
export function gaussianBlur(img: RgbImage, k: number): RgbImage {
  const { width: w, height: h, data: src } = img;
  const kern = kernel1d(k);
  const r = (k - 1) >> 1;
  // Float64 scratch: no float32 rounding on every store in the hot loops.
  const tmp = new Float64Array(src.length);
  const stride = w * 3;
  // Horizontal pass through a row padded by reflection, so the tap loop has no index tables.
  const padded = new Float64Array((w + 2 * r) * 3);
  for (let y = 0; y < h; y++) {
    const row = y * stride;
    for (let i = -r; i < w + r; i++) {
      const s3 = row + reflect101(i, w) * 3;
      const d3 = (i + r) * 3;
      padded[d3] = src[s3]!;
      padded[d3 + 1] = src[s3 + 1]!;
      padded[d3 + 2] = src[s3 + 2]!;
    }
    for (let i = 0; i < stride; i++) {
      let acc = 0;
      for (let t = 0, p = i; t < k; t++, p += 3) acc += kern[t]! * padded[p]!;
      tmp[row + i] = acc;
    }
  }
  // Vertical pass: whole rows at a time (contiguous reads), reflected row indices at the borders.
  const out = new Uint8Array(src.length);
  const acc = new Float64Array(stride);
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let t = 0; t < k; t++) {
      const base = reflect101(y + t - r, h) * stride;
      const kw = kern[t]!;
      for (let i = 0; i < stride; i++) acc[i] += kw * tmp[base + i]!;
    }
    const orow = y * stride;
    for (let i = 0; i < stride; i++) {
      const v = acc[i]!;
      out[orow + i] = v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5;
    }
  }
  return { width: w, height: h, data: out };
}

/** Odd kernel sizes in [lo, hi] (the reference samples only odd sizes). */
export function oddKernelSizes(lo: number, hi: number): number[] {
  const sizes: number[] = [];
  for (let k = Math.max(3, lo | 1); k <= hi; k += 2) sizes.push(k);
  return sizes.length > 0 ? sizes : [Math.max(3, lo | 1)];
}
