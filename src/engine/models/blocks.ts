// Building blocks shared by UNet and ResNet34-UNet, matching the PyTorch reference
// (shared/reference/torch_unet_bench.py) layer for layer so parameter counts agree exactly:
// convolutions without bias before BatchNorm, BatchNorm with PyTorch's momentum 0.1
// (= tfjs moving-average decay 0.9) and eps 1e-5, NHWC tensors.
//
// Initialisation: conv and transposed-conv kernels use He (Kaiming) normal, fan-in mode, each
// with its own seed drawn from the model seed; biases start at zero, BatchNorm at γ = 1, β = 0
// (deterministic, no seed needed). PyTorch's default for Conv2d is kaiming_uniform(a = √5) with
// uniform biases; He normal is the usual choice for ReLU networks (torchvision's ResNets use it)
// and only changes the starting point, not the architecture.
//
// The BatchNorm moving variance follows PyTorch's unbiased update (× n/(n−1), n = batch·H·W), not
// tfjs-layers' biased one: models/batch-norm-moving-variance.ts; checked in tests/torch-parity.test.ts.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;

/**
 * Hands out one initializer seed per layer, derived from the model seed, so the same seed gives
 * identical weights and each layer draws an unrelated stream. A 32-bit integer hash (murmur3
 * finaliser) of (seed, layer index) keeps nearby seeds and nearby layers decorrelated.
 */
export class SeedSource {
  private n = 0;
  constructor(private readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`model seed must be an integer (got ${seed})`);
  }
  next(): number {
    this.n++;
    let h = (Math.imul(this.seed | 0, 0x9e3779b1) ^ Math.imul(Math.floor(this.seed / 2 ** 32) | 0, 0x85ebca6b) ^ this.n) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  }
}

export interface BlockContext {
  seeds: SeedSource;
  /** False: kernels start at zero, no random draws (summaries and parameter counts, ~4 s less at base 64). */
  randomWeights?: boolean;
}

type Initializer = ReturnType<typeof tf.initializers.heNormal> | ReturnType<typeof tf.initializers.zeros>;

function heNormal(ctx: BlockContext): Initializer {
  return ctx.randomWeights === false ? tf.initializers.zeros() : tf.initializers.heNormal({ seed: ctx.seeds.next() });
}

/**
 * Conv k×k with PyTorch's symmetric padding k//2 (odd k). At stride 1 tfjs 'same' is exactly that.
 * At stride 2 tfjs 'same' pads asymmetrically (nothing on top/left, the rest bottom/right, for
 * even inputs), which shifts every window by one pixel; explicit ZeroPadding2D + 'valid'
 * reproduces PyTorch and still yields size/2. A 1×1 kernel needs no padding at any stride.
 */
export function conv(ctx: BlockContext, x: T, filters: number, kernelSize: number, opts: { strides?: number; useBias?: boolean } = {}): T {
  const strides = opts.strides ?? 1;
  const pad = Math.floor(kernelSize / 2);
  const explicitPad = strides > 1 && pad > 0;
  const input = explicitPad ? (tf.layers.zeroPadding2d({ padding: pad }).apply(x) as T) : x;
  return tf.layers
    .conv2d({
      filters,
      kernelSize,
      strides,
      padding: explicitPad || kernelSize === 1 ? 'valid' : 'same',
      useBias: opts.useBias ?? false,
      kernelInitializer: heNormal(ctx),
    })
    .apply(input) as T;
}

export function batchNorm(x: T): T {
  return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(x) as T;
}

export function relu(x: T): T {
  return tf.layers.reLU().apply(x) as T;
}

/** Conv → BN → ReLU. */
export function convBnRelu(ctx: BlockContext, x: T, filters: number, kernelSize: number, strides = 1): T {
  return relu(batchNorm(conv(ctx, x, filters, kernelSize, { strides })));
}

/** (Conv3×3 → BN → ReLU) × 2: the UNet's DoubleConv. */
export function doubleConv(ctx: BlockContext, x: T, filters: number): T {
  return convBnRelu(ctx, convBnRelu(ctx, x, filters, 3), filters, 3);
}

/** MaxPool 2×2 stride 2: exact halving for even sizes, no padding involved. */
export function maxPool2(x: T): T {
  return tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }).apply(x) as T;
}

/**
 * MaxPool 3×3 stride 2 padding 1 (PyTorch pads with −∞). Here the input is a ReLU output, all
 * values ≥ 0, and every window overlaps at least one real pixel, so zero padding gives the same
 * maxima as −∞ padding. (tfjs 'same' would pad only bottom/right and shift the windows.)
 */
export function maxPool3s2AfterRelu(x: T): T {
  const padded = tf.layers.zeroPadding2d({ padding: 1 }).apply(x) as T;
  return tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }).apply(padded) as T;
}

/** ConvTranspose 2×2 stride 2 (with bias): doubles height and width exactly, no padding involved. */
export function upConvTranspose(ctx: BlockContext, x: T, filters: number): T {
  return tf.layers
    .conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'valid', useBias: true, kernelInitializer: heNormal(ctx) })
    .apply(x) as T;
}

/** The decoder step (reference UpConv): ConvTranspose(cin→cout) → concat [skip, up] → DoubleConv(2·cout→cout). */
export function upBlock(ctx: BlockContext, x: T, skip: T, filters: number): T {
  const up = upConvTranspose(ctx, x, filters);
  const cat = tf.layers.concatenate({ axis: -1 }).apply([skip, up]) as T;
  return doubleConv(ctx, cat, filters);
}

/** Conv 1×1 to one channel (with bias), then sigmoid: the per-pixel foreground probability. */
export function sigmoidHead(ctx: BlockContext, x: T): T {
  const logits = tf.layers
    .conv2d({ filters: 1, kernelSize: 1, useBias: true, kernelInitializer: ctx.randomWeights === false ? tf.initializers.zeros() : tf.initializers.glorotUniform({ seed: ctx.seeds.next() }) })
    .apply(x) as T;
  return tf.layers.activation({ activation: 'sigmoid' }).apply(logits) as T;
}
