// One overlay canvas at the mask's own resolution, stretched over the photo by the stage. It
// repaints when `version` changes (the editor mutates mask arrays in place to avoid copies).
import { useEffect, useRef } from 'react';
import type { MaskData } from '../labeling/mask-bitmap';
import { paintDifference, paintMask, type OverlayMode, type Rgb } from '../labeling/overlay-pixels';

export type OverlayLayer =
  | { kind: 'mask'; mask: MaskData; color: Rgb; mode: OverlayMode }
  | { kind: 'difference'; predicted: MaskData; truth: MaskData };

interface Props {
  width: number;
  height: number;
  layers: OverlayLayer[];
  opacity: number;
  version?: number;
  testId?: string;
}

export function MaskCanvas({ width, height, layers, opacity, version = 0, testId }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(width, height);
    for (const l of layers) {
      if (l.kind === 'mask') {
        if (l.mask.width === width && l.mask.height === height) paintMask(img, l.mask, l.color, l.mode);
      } else paintDifference(img, l.predicted, l.truth);
    }
    ctx.putImageData(img, 0, 0);
  }, [width, height, layers, version]);
  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      className="overlay-canvas"
      style={{ opacity }}
      data-testid={testId}
      aria-hidden="true"
    />
  );
}
