// Paints masks into RGBA pixels for the overlay canvases: a filled tint, an outline (pet pixels
// with a background 4-neighbour), or a comparison of predicted against true masks.
import type { MaskData } from './mask-bitmap';

export type Rgb = [number, number, number];
export type OverlayMode = 'fill' | 'outline';

function isEdge(m: MaskData, x: number, y: number): boolean {
  const { width: w, height: h, data } = m;
  const i = y * w + x;
  return (x > 0 && !data[i - 1]) || (x < w - 1 && !data[i + 1]) || (y > 0 && !data[i - w]) || (y < h - 1 && !data[i + w]) || x === 0 || y === 0 || x === w - 1 || y === h - 1;
}

export function paintMask(target: ImageData, m: MaskData, color: Rgb, mode: OverlayMode): void {
  const px = target.data;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      const i = y * m.width + x;
      if (!m.data[i]) continue;
      if (mode === 'outline' && !isEdge(m, x, y)) continue;
      px[i * 4] = color[0];
      px[i * 4 + 1] = color[1];
      px[i * 4 + 2] = color[2];
      px[i * 4 + 3] = 255;
    }
  }
}

/** Green where both agree on pet, red where only the prediction says pet, blue where it missed. */
export function paintDifference(target: ImageData, predicted: MaskData, truth: MaskData): void {
  const px = target.data;
  const n = Math.min(predicted.data.length, truth.data.length);
  for (let i = 0; i < n; i++) {
    const p = predicted.data[i];
    const t = truth.data[i];
    if (!p && !t) continue;
    const c: Rgb = p && t ? [40, 180, 90] : p ? [230, 60, 60] : [60, 110, 240];
    px[i * 4] = c[0];
    px[i * 4 + 1] = c[1];
    px[i * 4 + 2] = c[2];
    px[i * 4 + 3] = 255;
  }
}

export const COLORS = {
  truth: [255, 170, 0] as Rgb,
  predicted: [0, 200, 255] as Rgb,
};
