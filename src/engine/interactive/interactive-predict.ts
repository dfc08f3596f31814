// One answer of the click-to-segment model: the photo (already resized and normalised, so a
// caller answering many clicks on one photo prepares it once), the clicks so far and the
// previous mask go in; the probability map at the model's input size comes out. Runs on the
// compiled native plan when the 'native' backend is active (predictFast), tfjs otherwise.
// Used by the labeling service, eval-interactive, training's no-gradient rounds and simulate.
import * as tf from '@tensorflow/tfjs';
import { predictFast } from '../backend/native';
import type { RunConfig } from '../../shared/run-config';
import type { Click } from './clicks';
import { DEFAULT_CLICK_RADIUS, encodeInteractiveInput, INTERACTIVE_CHANNELS } from './click-encoding';

export interface InteractiveSettings {
  /** Model input side in pixels. */
  size: number;
  /** Click disk radius in model pixels (the run's `interactive.clickRadius`). */
  clickRadius: number;
}

/** The interactive settings of a run config, or null for a plain (RGB-only) run. */
export function interactiveSettingsOf(config: RunConfig): InteractiveSettings | null {
  if (!config.interactive?.enabled) return null;
  return { size: config.size, clickRadius: config.interactive.clickRadius ?? DEFAULT_CLICK_RADIUS };
}

/** Input channels the model was built with (3 = plain, 6 = interactive). */
export function modelInputChannels(model: tf.LayersModel): number {
  const shape = model.inputs[0]?.shape;
  const c = shape?.[3];
  if (typeof c !== 'number') throw new Error(`model ${model.name}: input shape ${JSON.stringify(shape)} has no channel count`);
  return c;
}

/** Throws unless `model` takes the interactive input (photo + clicks + previous mask). */
export function assertInteractiveModel(model: tf.LayersModel, what = `model ${model.name}`): void {
  const c = modelInputChannels(model);
  if (c !== INTERACTIVE_CHANNELS) {
    throw new Error(`${what} takes ${c} input channels: not a click-to-segment model (train one with --interactive)`);
  }
}

/** Probabilities (size·size, row-major) for `n` encoded inputs packed in `x` (n·size·size·6). */
export async function predictEncoded(model: tf.LayersModel, x: Float32Array, n: number, size: number): Promise<Float32Array> {
  const probs = tf.tidy(() => predictFast(model, tf.tensor4d(x, [n, size, size, INTERACTIVE_CHANNELS])));
  try {
    const out = (await probs.data()) as Float32Array;
    if (out.length !== n * size * size) throw new Error(`the model output ${out.length} values for ${n} inputs of ${size}×${size}: not a one-band mask model`);
    return out;
  } finally {
    probs.dispose();
  }
}

/**
 * The model's answer to `clicks` on one photo. `rgbNormalised`: size·size·3 ImageNet-normalised
 * HWC floats (engine/infer/model-input.ts); `prevMask`: the mask shown before the newest click
 * (0/1, size·size) or null before the first.
 */
export async function predictWithClicks(
  model: tf.LayersModel,
  rgbNormalised: Float32Array,
  clicks: readonly Click[],
  prevMask: Uint8Array | null,
  settings: InteractiveSettings,
): Promise<Float32Array> {
  const { size } = settings;
  const x = new Float32Array(size * size * INTERACTIVE_CHANNELS);
  encodeInteractiveInput(rgbNormalised, clicks, prevMask, size, settings.clickRadius, x, 0);
  return predictEncoded(model, x, 1, size);
}
