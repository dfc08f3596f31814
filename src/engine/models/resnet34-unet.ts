// ResNet34-UNet (the reference's ResNet34UNet): a ResNet34 encoder (stem 7×7/2 + BN + ReLU +
// max-pool 3/2, BasicBlock stages [3,4,6,3]), one more BasicBlock stage base·8→base·16 at
// stride 2 as the bottleneck, the UNet decoder, and a head of two ConvTranspose ×2 (each + BN +
// ReLU) back to full resolution, then 1×1 + sigmoid. At base 64: 48,194,497 trainable parameters.
import * as tf from '@tensorflow/tfjs';
import { batchNorm, conv, convBnRelu, maxPool3s2AfterRelu, relu, sigmoidHead, upBlock, upConvTranspose, SeedSource, type BlockContext } from './blocks';
import { inputSizeStep } from '../../shared/tta-sizes';

type T = tf.SymbolicTensor;

/** Two 3×3 convs with a residual; the shortcut is projected (1×1 conv + BN) when the shape changes. */
function basicBlock(ctx: BlockContext, x: T, cin: number, cout: number, strides: number): T {
  let y = convBnRelu(ctx, x, cout, 3, strides);
  y = batchNorm(conv(ctx, y, cout, 3));
  const shortcut = cin !== cout || strides !== 1 ? batchNorm(conv(ctx, x, cout, 1, { strides })) : x;
  return relu(tf.layers.add().apply([y, shortcut]) as T);
}

/** A stage halves the resolution in its first block whenever it widens the channels. */
function stage(ctx: BlockContext, x: T, cin: number, cout: number, blocks: number): T {
  let y = basicBlock(ctx, x, cin, cout, cin === cout ? 1 : 2);
  for (let i = 1; i < blocks; i++) y = basicBlock(ctx, y, cout, cout, 1);
  return y;
}

export function buildResNet34UNet(opts: { base: number; size: number; seed: number; randomWeights?: boolean; inChannels?: number }): tf.LayersModel {
  // Stem /4, three strided stages /32, bottleneck /64: every step must halve exactly.
  const step = inputSizeStep('resnet34_unet');
  if (opts.size % step !== 0 || opts.size <= 0) throw new Error(`ResNet34-UNet input size must be a positive multiple of ${step} (got ${opts.size})`);
  const ctx = { seeds: new SeedSource(opts.seed), randomWeights: opts.randomWeights };
  const c = [0, 1, 2, 3, 4].map((i) => opts.base * 2 ** i);
  // Extra input channels (clicks, previous mask) only widen the first convolution.
  const inChannels = opts.inChannels ?? 3;
  const input = tf.input({ shape: [opts.size, opts.size, inChannels], name: 'image' });
  let x = maxPool3s2AfterRelu(convBnRelu(ctx, input, c[0]!, 7, 2));
  const depths = [3, 4, 6, 3];
  const skips: T[] = [];
  for (let i = 0; i < 4; i++) {
    x = stage(ctx, x, i === 0 ? c[0]! : c[i - 1]!, c[i]!, depths[i]!);
    skips.push(x);
  }
  x = stage(ctx, x, c[3]!, c[4]!, 1);
  for (let i = 3; i >= 0; i--) x = upBlock(ctx, x, skips[i]!, c[i]!);
  for (let i = 0; i < 2; i++) x = relu(batchNorm(upConvTranspose(ctx, x, c[0]!)));
  return tf.model({ inputs: input, outputs: sigmoidHead(ctx, x), name: `resnet34_unet_b${opts.base}_s${opts.size}${inChannels === 3 ? '' : `_in${inChannels}`}` });
}
