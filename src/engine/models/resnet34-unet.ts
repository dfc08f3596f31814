// ResNet34-UNet: a ResNet34 encoder (stem 7×7/2 + max-pool, BasicBlock stages [3,4,6,3]),
// one more BasicBlock stage 512→1024 at stride 2 as the bottleneck, the UNet decoder, and a
// head of two ConvTranspose ×2 (each + BN + ReLU) back to full resolution, then 1×1 + sigmoid.
// At base 64: 48,194,497 trainable parameters, as the PyTorch reference.
import * as tf from '@tensorflow/tfjs';
import { batchNorm, conv, relu, sigmoidHead, upBlock, upConvTranspose, SeedSource, type BlockContext } from './blocks';

type T = tf.SymbolicTensor;

function basicBlock(ctx: BlockContext, x: T, cin: number, cout: number, strides: number): T {
  let y = relu(batchNorm(conv(ctx, x, cout, 3, { strides })));
  y = batchNorm(conv(ctx, y, cout, 3));
  // The shortcut needs a projection (1×1 conv + BN) whenever shape changes.
  const shortcut = cin !== cout || strides !== 1 ? batchNorm(conv(ctx, x, cout, 1, { strides })) : x;
  return relu(tf.layers.add().apply([y, shortcut]) as T);
}

function stage(ctx: BlockContext, x: T, cin: number, cout: number, blocks: number): T {
  const strides = cin === cout ? 1 : 2;
  let y = basicBlock(ctx, x, cin, cout, strides);
  for (let i = 1; i < blocks; i++) y = basicBlock(ctx, y, cout, cout, 1);
  return y;
}

export function buildResNet34UNet(opts: { base: number; size: number; seed: number }): tf.LayersModel {
  if (opts.size % 64 !== 0) throw new Error(`ResNet34-UNet input size must be a multiple of 64 (got ${opts.size})`);
  const ctx = { seeds: new SeedSource(opts.seed) };
  const c = [0, 1, 2, 3, 4].map((i) => opts.base * 2 ** i);
  const input = tf.input({ shape: [opts.size, opts.size, 3], name: 'image' });
  let x = relu(batchNorm(conv(ctx, input, c[0]!, 7, { strides: 2 })));
  // MaxPool 3×3/2 with 1 px padding: after ReLU every value is ≥ 0, so zero padding behaves
  // exactly like PyTorch's −∞ padding.
  x = tf.layers.zeroPadding2d({ padding: 1 }).apply(x) as T;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }).apply(x) as T;
  const depths = [3, 4, 6, 3];
  const skips: T[] = [];
  let cin = c[0]!;
  for (let i = 0; i < 4; i++) {
    x = stage(ctx, x, cin, c[i]!, depths[i]!);
    cin = c[i]!;
    skips.push(x);
  }
  x = stage(ctx, x, c[3]!, c[4]!, 1);
  for (let i = 3; i >= 0; i--) x = upBlock(ctx, x, skips[i]!, c[i]!);
  for (let i = 0; i < 2; i++) x = relu(batchNorm(upConvTranspose(ctx, x, c[0]!)));
  return tf.model({ inputs: input, outputs: sigmoidHead(ctx, x), name: `resnet34_unet_b${opts.base}_s${opts.size}` });
}
