// Pixel operations of the label tools on a 0/1 mask, in place: round brush stamps along a stroke
// segment (so fast drags leave no gaps) and a 4-connected flood fill.
import type { MaskData } from './mask-bitmap';

function stamp(m: MaskData, cx: number, cy: number, r: number, value: 0 | 1): void {
  const r2 = r * r;
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(m.width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(m.height - 1, Math.ceil(cy + r));
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy <= r2) m.data[y * m.width + x] = value;
    }
  }
}

/** Paints a stroke segment with a round brush of the given diameter (pixels). */
export function paintSegment(m: MaskData, x0: number, y0: number, x1: number, y1: number, diameter: number, value: 0 | 1): void {
  const r = Math.max(0.5, diameter / 2);
  const dist = Math.hypot(x1 - x0, y1 - y0);
  const steps = Math.max(1, Math.ceil(dist / Math.max(0.5, r / 2)));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    stamp(m, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, r, value);
  }
}

/** Sets the connected region (same value as the start pixel) to `value`; returns pixels changed. */
export function floodFill(m: MaskData, sx: number, sy: number, value: 0 | 1): number {
  const x = Math.floor(sx);
  const y = Math.floor(sy);
  if (x < 0 || y < 0 || x >= m.width || y >= m.height) return 0;
  const from = m.data[y * m.width + x];
  if (from === value) return 0;
  const stack = [y * m.width + x];
  let changed = 0;
  while (stack.length) {
    const i = stack.pop()!;
    if (m.data[i] !== from) continue;
    m.data[i] = value;
    changed++;
    const px = i % m.width;
    if (px > 0) stack.push(i - 1);
    if (px < m.width - 1) stack.push(i + 1);
    if (i >= m.width) stack.push(i - m.width);
    if (i < m.data.length - m.width) stack.push(i + m.width);
  }
  return changed;
}

export function countPet(m: MaskData): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) n += m.data[i]!;
  return n;
}

/** Dice of two masks of the same size: 2|A∩B| / (|A| + |B|); two empty masks agree fully (1). */
export function diceOf(a: MaskData, b: MaskData): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`masks differ in size: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  let both = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i] ? 1 : 0;
    const y = b.data[i] ? 1 : 0;
    both += x & y;
    sum += x + y;
  }
  return sum === 0 ? 1 : (2 * both) / sum;
}
