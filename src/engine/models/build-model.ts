// One entry point for every architecture the studio trains.
import * as tf from '@tensorflow/tfjs';
import type { ModelName } from '../types';
import { buildUNet } from './unet';
import { buildResNet34UNet } from './resnet34-unet';

export interface BuildModelOptions {
  model: ModelName;
  /** First-level channels; 64 is the reference. */
  base?: number;
  /** Square input side in pixels; 256 is the reference. */
  size?: number;
  /** Initialisation seed: the same seed gives identical weights. */
  seed?: number;
  /** False: every weight starts at zero instead of a random draw, for summaries and counts only. */
  randomWeights?: boolean;
  /** Input channels: 3 (RGB, the default) or 6 for a click-to-segment model (docs/interactive.md). */
  inChannels?: number;
}

export function buildModel(opts: BuildModelOptions): tf.LayersModel {
  const args = { base: opts.base ?? 64, size: opts.size ?? 256, seed: opts.seed ?? 0, randomWeights: opts.randomWeights, inChannels: opts.inChannels ?? 3 };
  if (!Number.isInteger(args.base) || args.base < 1) throw new Error(`base width must be a positive integer (got ${args.base})`);
  if (!Number.isInteger(args.inChannels) || args.inChannels < 1) throw new Error(`input channels must be a positive integer (got ${args.inChannels})`);
  switch (opts.model) {
    case 'unet':
      return buildUNet(args);
    case 'resnet34_unet':
      return buildResNet34UNet(args);
    default:
      throw new Error(`unknown model "${String(opts.model)}" (unet or resnet34_unet)`);
  }
}

/** Trainable = kernels, biases, BatchNorm γ/β; total adds the BatchNorm moving mean/variance. */
export function countParams(model: tf.LayersModel): { trainableParams: number; totalParams: number } {
  const size = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  const trainableParams = size(model.trainableWeights);
  return { trainableParams, totalParams: trainableParams + size(model.nonTrainableWeights) };
}
