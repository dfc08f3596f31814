// Resizing on typed arrays. Photos: separable triangle (bilinear) filter whose support widens
// with the shrink factor, so a 1646-px photo going to 64 px is area-averaged instead of
// aliased (plain bilinear would sample ~4 of every 26 source pixels); when enlarging it is exactly
// bilinear with half-pixel centres, like OpenCV's INTER_LINEAR. Masks: nearest neighbour on the
// same pixel-centre mapping, so a mask pixel always comes from where the photo pixel's centre is.
import type { BinaryMask, RgbImage } from '../types';

/** A source rectangle in pixels (crops resize straight from the region, no intermediate copy). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Taps {
  /** First source index per output pixel. */
  start: Int32Array;
  /** Taps per output pixel (all padded to the same count with zero weights). */
  count: number;
  weights: Float32Array;
}

const tapCache = new Map<string, Taps>();

/** Filter taps mapping source span [offset, offset+span) onto dst output pixels. */
function taps(offset: number, span: number, dst: number): Taps {
  const key = `${offset},${span},${dst}`;
  const hit = tapCache.get(key);
  if (hit) return hit;
  const scale = span / dst;
  const support = Math.max(1, scale);
  // Non-zero taps lie strictly within (centre − support, centre + support) in pixel-centre terms:
  // at most ceil(2·support) of them. A span shorter than that (tiny images) clamps every tap
  // into the span anyway.
  const count = Math.min(span, Math.ceil(2 * support));
  const start = new Int32Array(dst);
  const weights = new Float32Array(dst * count);
  for (let o = 0; o < dst; o++) {
    const centre = (o + 0.5) * scale; // relative to the span, pixel edges at integers
    const first = Math.floor(centre - support - 0.5) + 1;
    // Taps beyond the span edge repeat the edge pixel (OpenCV's replicate border): fold them in.
    const lo = Math.min(Math.max(first, 0), span - count);
    start[o] = offset + lo;
    let sum = 0;
    for (let i = first; i < first + count; i++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
      if (w === 0) continue;
      const k = Math.min(Math.max(i, 0), span - 1) - lo;
      weights[o * count + k] += w;
      sum += w;
    }
    for (let k = 0; k < count; k++) weights[o * count + k] /= sum;
  }
  const t = { start, count, weights };
  if (tapCache.size > 256) tapCache.clear();
  tapCache.set(key, t);
  return t;
}

/** Resizes region `rect` of an RGB image to width×height (antialiased bilinear). */
export function resizeImageRegion(img: RgbImage, rect: Rect, width: number, height: number): RgbImage {
  const tx = taps(rect.x, rect.width, width);
  const ty = taps(rect.y, rect.height, height);
  const src = img.data;
  const sw = img.width;
  // Horizontal pass over only the source rows the vertical pass will read.
  const rowLo = ty.start[0]!;
  const rowHi = ty.start[height - 1]! + ty.count; // exclusive
  const rows = rowHi - rowLo;
  const tmp = new Float32Array(rows * width * 3);
  const cx = tx.count;
  for (let r = 0; r < rows; r++) {
    const srow = (rowLo + r) * sw * 3;
    const trow = r * width * 3;
    for (let o = 0; o < width; o++) {
      let p = srow + tx.start[o]! * 3;
      const wo = o * cx;
      let a = 0;
      let b = 0;
      let c = 0;
      for (let k = 0; k < cx; k++, p += 3) {
        const w = tx.weights[wo + k]!;
        a += w * src[p]!;
        b += w * src[p + 1]!;
        c += w * src[p + 2]!;
      }
      const q = trow + o * 3;
      tmp[q] = a;
      tmp[q + 1] = b;
      tmp[q + 2] = c;
    }
  }
  const out = new Uint8Array(width * height * 3);
  const cy = ty.count;
  const stride = width * 3;
  for (let o = 0; o < height; o++) {
    const base = (ty.start[o]! - rowLo) * stride;
    const wo = o * cy;
    const orow = o * stride;
    for (let i = 0; i < stride; i++) {
      let acc = 0;
      for (let k = 0, p = base + i; k < cy; k++, p += stride) acc += ty.weights[wo + k]! * tmp[p]!;
      // Uint8Array assignment truncates; round and clamp explicitly.
      out[orow + i] = acc <= 0 ? 0 : acc >= 255 ? 255 : acc + 0.5;
    }
  }
  return { width, height, data: out };
}

/** Resizes region `rect` of a mask to width×height by nearest neighbour on pixel centres. */
export function resizeMaskRegion(mask: BinaryMask, rect: Rect, width: number, height: number): BinaryMask {
  const xs = new Int32Array(width);
  for (let o = 0; o < width; o++) xs[o] = rect.x + Math.min(rect.width - 1, Math.floor(((o + 0.5) * rect.width) / width));
  const out = new Uint8Array(width * height);
  for (let o = 0; o < height; o++) {
    const sy = rect.y + Math.min(rect.height - 1, Math.floor(((o + 0.5) * rect.height) / height));
    const srow = sy * mask.width;
    const orow = o * width;
    for (let x = 0; x < width; x++) out[orow + x] = mask.data[srow + xs[x]!]!;
  }
  return { width, height, data: out };
}

const whole = (img: { width: number; height: number }): Rect => ({ x: 0, y: 0, width: img.width, height: img.height });

export function resizeImage(img: RgbImage, width: number, height: number): RgbImage {
  if (img.width === width && img.height === height) return { width, height, data: img.data.slice() };
  return resizeImageRegion(img, whole(img), width, height);
}

export function resizeMask(mask: BinaryMask, width: number, height: number): BinaryMask {
  if (mask.width === width && mask.height === height) return { width, height, data: mask.data.slice() };
  return resizeMaskRegion(mask, whole(mask), width, height);
}
