// Building blocks shared by UNet and ResNet34-UNet, written to match the PyTorch reference
// layer for layer (so parameter counts agree exactly): convolutions without bias before
// BatchNorm, BatchNorm with PyTorch's momentum 0.1 (= tfjs moving-average decay 0.9) and eps 1e-5.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;

/** Hands out a fresh initializer seed per layer, derived from the model seed, so weights are reproducible. */
export class SeedSource {
  private n = 0;
  constructor(private readonly seed: number) {}
  next(): number {
    this.n++;
    return (this.seed * 7919 + this.n * 104729) % 2147483647;
  }
}

export interface BlockContext {
  seeds: SeedSource;
}

export function conv(
  ctx: BlockContext,
  x: T,
  filters: number,
  kernelSize: number,
  opts: { strides?: number; useBias?: boolean; name?: string; padding?: 'same' | 'valid' } = {},
): T {
  const strides = opts.strides ?? 1;
  let input = x;
  let padding: 'same' | 'valid' = opts.padding ?? 'same';
  // TF's 'same' pads asymmetrically when striding (more at the bottom/right); PyTorch pads
  // k//2 on every side. Explicit zero padding + 'valid' reproduces PyTorch's alignment.
  if (strides > 1 && kernelSize > 1) {
    input = tf.layers.zeroPadding2d({ padding: Math.floor(kernelSize / 2) }).apply(x) as T;
    padding = 'valid';
  }
  return tf.layers
    .conv2d({
      filters,
      kernelSize,
      strides,
      padding,
      useBias: opts.useBias ?? false,
      kernelInitializer: tf.initializers.heNormal({ seed: ctx.seeds.next() }),
      name: opts.name,
    })
    .apply(input) as T;
}

export function batchNorm(x: T): T {
  return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(x) as T;
}

export function relu(x: T): T {
  return tf.layers.reLU().apply(x) as T;
}

/** (Conv3×3 → BN → ReLU) × 2: the UNet's DoubleConv. */
export function doubleConv(ctx: BlockContext, x: T, filters: number): T {
  let y = relu(batchNorm(conv(ctx, x, filters, 3)));
  y = relu(batchNorm(conv(ctx, y, filters, 3)));
  return y;
}

/** ConvTranspose 2×2 stride 2 (with bias): doubles height and width. */
export function upConvTranspose(ctx: BlockContext, x: T, filters: number): T {
  return tf.layers
    .conv2dTranspose({
      filters,
      kernelSize: 2,
      strides: 2,
      padding: 'valid',
      useBias: true,
      kernelInitializer: tf.initializers.heNormal({ seed: ctx.seeds.next() }),
    })
    .apply(x) as T;
}

/** The decoder step: ConvTranspose(cin→cout) → concat [skip, up] → DoubleConv(2·cout→cout). */
export function upBlock(ctx: BlockContext, x: T, skip: T, filters: number): T {
  const up = upConvTranspose(ctx, x, filters);
  const cat = tf.layers.concatenate({ axis: -1 }).apply([skip, up]) as T;
  return doubleConv(ctx, cat, filters);
}

/** 1×1 conv to one channel, then sigmoid: per-pixel foreground probability. */
export function sigmoidHead(ctx: BlockContext, x: T): T {
  const logits = tf.layers
    .conv2d({
      filters: 1,
      kernelSize: 1,
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seeds.next() }),
    })
    .apply(x) as T;
  return tf.layers.activation({ activation: 'sigmoid' }).apply(logits) as T;
}
