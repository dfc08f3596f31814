// The input sizes multi-scale test-time augmentation may use (tta.ts), checked before any work:
// a model's input must halve exactly at every downsampling, so a size it cannot take would only
// fail deep inside tfjs with a shape error.
import type { ModelName } from '../types';

/** Input sizes a model accepts are multiples of this: UNet halves 4 times, ResNet34-UNet 6 times. */
export function inputSizeStep(model: ModelName): number {
  return model === 'resnet34_unet' ? 64 : 16;
}

export const MAX_TTA_SIZES = 6;

/** `--tta-sizes 112,128,160` → [112, 128, 160]; anything else is an Error saying what is wrong. */
export function parseTtaSizes(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const sizes = parts.map(Number);
  const bad = parts.find((p, i) => p === '' || !Number.isInteger(sizes[i]));
  if (bad !== undefined) throw new Error(`test-time sizes must be whole numbers separated by commas (got "${text}")`);
  return sizes;
}

/** Throws, naming the size, when `model` cannot take one of `sizes`. */
export function checkTtaSizes(sizes: readonly number[], model: ModelName): void {
  if (sizes.length === 0) throw new Error('test-time sizes: give at least one size');
  if (sizes.length > MAX_TTA_SIZES) throw new Error(`test-time sizes: at most ${MAX_TTA_SIZES} (got ${sizes.length})`);
  if (new Set(sizes).size !== sizes.length) throw new Error(`test-time sizes: each size once (got ${sizes.join(',')})`);
  const step = inputSizeStep(model);
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < step || s > 1024 || s % step !== 0) {
      throw new Error(`test-time size ${s}: a ${model} model takes multiples of ${step} from ${step} to 1024`);
    }
  }
}
