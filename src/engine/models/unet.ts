// UNet in the style of milesial/Pytorch-UNet (the reference's UNet): padded 3×3 DoubleConvs with
// BatchNorm, four 2×2 max-pool downsamplings to base·16 channels, ConvTranspose upsampling with
// [skip, up] concatenation, 1×1 conv + sigmoid. At base 64: 31,037,633 trainable parameters.
import * as tf from '@tensorflow/tfjs';
import { doubleConv, maxPool2, sigmoidHead, upBlock, SeedSource } from './blocks';
import { inputSizeStep } from '../../shared/tta-sizes';

export function buildUNet(opts: { base: number; size: number; seed: number; randomWeights?: boolean; inChannels?: number }): tf.LayersModel {
  // Four exact halvings: the skips and the upsampled maps only line up for multiples of 16.
  const step = inputSizeStep('unet');
  if (opts.size % step !== 0 || opts.size <= 0) throw new Error(`UNet input size must be a positive multiple of ${step} (got ${opts.size})`);
  const ctx = { seeds: new SeedSource(opts.seed), randomWeights: opts.randomWeights };
  const c = [0, 1, 2, 3, 4].map((i) => opts.base * 2 ** i);
  // Extra input channels (clicks, previous mask) only widen the first convolution.
  const inChannels = opts.inChannels ?? 3;
  const input = tf.input({ shape: [opts.size, opts.size, inChannels], name: 'image' });
  let x = doubleConv(ctx, input, c[0]!);
  const skips = [x];
  for (let i = 1; i <= 3; i++) {
    x = doubleConv(ctx, maxPool2(x), c[i]!);
    skips.push(x);
  }
  x = doubleConv(ctx, maxPool2(x), c[4]!);
  for (let i = 3; i >= 0; i--) x = upBlock(ctx, x, skips[i]!, c[i]!);
  return tf.model({ inputs: input, outputs: sigmoidHead(ctx, x), name: `unet_b${opts.base}_s${opts.size}${inChannels === 3 ? '' : `_in${inChannels}`}` });
}
