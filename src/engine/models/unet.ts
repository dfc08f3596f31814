// UNet in the style of milesial/Pytorch-UNet: padded 3×3 convolutions with BatchNorm, four
// max-pool downsamplings to base·16 channels, ConvTranspose upsampling, sigmoid output.
// At base 64 it has 31,037,633 trainable parameters, as the PyTorch reference.
import * as tf from '@tensorflow/tfjs';
import { doubleConv, sigmoidHead, upBlock, SeedSource } from './blocks';

export function buildUNet(opts: { base: number; size: number; seed: number }): tf.LayersModel {
  if (opts.size % 16 !== 0) throw new Error(`UNet input size must be a multiple of 16 (got ${opts.size})`);
  const ctx = { seeds: new SeedSource(opts.seed) };
  const c = [0, 1, 2, 3, 4].map((i) => opts.base * 2 ** i);
  const input = tf.input({ shape: [opts.size, opts.size, 3], name: 'image' });
  let x = doubleConv(ctx, input, c[0]!);
  const skips = [x];
  for (let i = 1; i <= 3; i++) {
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = doubleConv(ctx, x, c[i]!);
    skips.push(x);
  }
  x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  x = doubleConv(ctx, x, c[4]!);
  for (let i = 3; i >= 0; i--) x = upBlock(ctx, x, skips[i]!, c[i]!);
  return tf.model({ inputs: input, outputs: sigmoidHead(ctx, x), name: `unet_b${opts.base}_s${opts.size}` });
}
