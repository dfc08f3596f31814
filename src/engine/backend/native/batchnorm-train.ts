// Training-mode batch normalization as one fused op on the 'native' backend.
// tfjs-layers builds it from moments (mean, sub, square, mean) + batchNorm; every piece is a
// full-size tensor that stays alive until the backward pass ends, and its gradient is another
// dozen full-size ops. For UNet-64 at 256² that was ~40% of the activation memory (peak RSS
// 7.4 GB vs the 4.6 GB budget) and most of the non-convolution time (docs/speed.md).
// Here: forward = one kernel (stats + normalize, output y only); backward = one reduction pass
// and one dx pass. BatchNormalization layers use it while the backend is 'native', the layer
// is in training mode and normalizes the last axis with both gamma and beta; otherwise the
// layer's own implementation runs unchanged.
//
// When the layer's only consumer is a plain ReLU layer, the ReLU is applied in the same pass and
// the ReLU layer passes the tensor through (inference-fold.ts markDone): the pre-ReLU
// activation is never materialized (one full-size tensor less per conv block kept for backward:
// UNet-64 peak RSS) and the backward is one call that masks dy by y > 0. The moving averages are
// updated on the [C]-sized statistics in JavaScript, with tfjs' float32 arithmetic.
import * as tf from '@tensorflow/tfjs';
import type { GradSaveFunc, NamedAttrMap, Tensor } from '@tensorflow/tfjs';

import { isPlainRelu, markDone, type LayerLike } from './inference-fold';
import { soleConsumer } from './layer-graph';
import { f32, tensorInput, type NativeKernel } from './kernel-util';
import { takeFloat32 } from './cpu-backend';
import { batchNormPrototype, besselFactor, markBatchNormPatched, topUpMovingVariance } from '../../models/batch-norm-moving-variance';

const TRAIN_KERNEL = 'SegNativeBatchNormTrain';
const GRAD_KERNEL = 'SegNativeBatchNormTrainGrad';

export const batchNormTrainKernels: NativeKernel[] = [
  {
    // Outputs y and stats = [mean | variance | gamma] (3C): one tensor to save for the backward
    // instead of three (each saved tensor costs the engine a clone op).
    kernelName: TRAIN_KERNEL,
    impl: ({ inputs, backend, attrs }, addon) => {
      const x = inputs.x as tf.TensorInfo;
      const xv = f32(backend, x), gv = f32(backend, inputs.gamma as tf.TensorInfo), bv = f32(backend, inputs.beta as tf.TensorInfo);
      if (!xv || !gv || !bv) throw new Error(`${TRAIN_KERNEL}: float32 inputs required`);
      const c = x.shape[x.shape.length - 1]!;
      const y = takeFloat32(backend, xv.length), stats = new Float32Array(3 * c);
      addon.batchNormTrain(xv, gv, bv, Number(attrs.eps), c, y, stats.subarray(0, c), stats.subarray(c, 2 * c), attrs.relu ? 1 : 0);
      stats.set(gv, 2 * c);
      return [backend.makeTensorInfo(x.shape.slice(), 'float32', y), backend.makeTensorInfo([3 * c], 'float32', stats)];
    },
  },
  {
    // [dx, dgamma, dbeta] in one call; input y (the ReLU output) is present when the forward applied ReLU.
    kernelName: GRAD_KERNEL,
    impl: (args, addon) => {
      const { backend } = args;
      const get = (n: string) => f32(backend, tensorInput(args, n));
      const x = tensorInput(args, 'x');
      const xv = get('x'), dyv = get('dy'), stats = get('stats');
      const yT = tensorInput(args, 'y');
      const yv = yT ? get('y') : null;
      if (!x || !xv || !dyv || !stats || (yT && !yv)) throw new Error(`${GRAD_KERNEL}: float32 inputs required`);
      const c = x.shape[x.shape.length - 1]!;
      if (stats.length !== 3 * c) throw new Error(`${GRAD_KERNEL}: stats must hold mean, variance and gamma`);
      const dx = takeFloat32(backend, xv.length), dgamma = new Float32Array(c), dbeta = new Float32Array(c);
      addon.batchNormTrainGrad(
        xv, dyv, yv, stats.subarray(0, c), stats.subarray(c, 2 * c), stats.subarray(2 * c), Number(args.attrs.eps), c, dx, dgamma, dbeta,
      );
      return [
        backend.makeTensorInfo(x.shape.slice(), 'float32', dx),
        backend.makeTensorInfo([c], 'float32', dgamma),
        backend.makeTensorInfo([c], 'float32', dbeta),
      ];
    },
  },
];

const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}) =>
  tf.engine().runKernel(name, inputs, attrs as NamedAttrMap);

/**
 * y = batchnorm(x) (or relu(batchnorm(x)) with `relu`) with batch statistics over every axis but
 * the last, plus those statistics (mean and biased variance, as tf.moments gives) as Float32Arrays
 * for the caller's moving averages. Gradients flow to x, gamma and beta.
 */
export function fusedBatchNormTrain(
  x: Tensor, gamma: Tensor, beta: Tensor, eps: number, relu = false,
): { y: Tensor; mean: Float32Array; variance: Float32Array } {
  let mean: Float32Array = new Float32Array(0), variance: Float32Array = new Float32Array(0);
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [xx, g, b, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
    const [y, stats] = run(TRAIN_KERNEL, { x: xx, gamma: g, beta: b }, { eps, relu }) as Tensor[];
    // The statistics are read now (CPU storage, no copy) for the caller's moving averages.
    const c = xx.shape[xx.shape.length - 1]!;
    const sv = stats!.dataSync() as Float32Array;
    mean = sv.subarray(0, c);
    variance = sv.subarray(c, 2 * c);
    // With ReLU fused, its output y is saved for the dy mask: the next layer keeps it anyway.
    save(relu ? [xx, stats!, y!] : [xx, stats!]);
    return {
      value: y!,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [sx, sstats, sy] = saved as [Tensor, Tensor, Tensor | undefined];
        const inputs: Record<string, Tensor> = { x: sx, dy: dy as Tensor, stats: sstats };
        if (sy) inputs.y = sy;
        return run(GRAD_KERNEL, inputs, { eps }) as Tensor[];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean, variance };
}

interface LayerVar {
  read(): Tensor;
  write(v: Tensor): void;
}
interface BatchNormLayerLike extends LayerLike {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma?: LayerVar | null;
  beta?: LayerVar | null;
  movingMean: LayerVar;
  movingVariance: LayerVar;
}
type CallFn = (this: BatchNormLayerLike, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>) => Tensor | Tensor[];

/**
 * The batch-norm layer's moving-average update, v ← v − (v − stat)·(1 − momentum), with each
 * step rounded to float32 as tfjs' tensor ops do; on [C] values, so plain JavaScript. The
 * variance moves toward the unbiased batch variance (× n/(n−1)), as PyTorch's does
 * (models/batch-norm-moving-variance.ts).
 */
export function updateMovingStatistics(
  layer: Pick<BatchNormLayerLike, 'momentum' | 'movingMean' | 'movingVariance'>, mean: Float32Array, variance: Float32Array,
  valuesPerChannel: number,
): void {
  const decay = Math.fround(1 - layer.momentum);
  const bessel = besselFactor(valuesPerChannel);
  const unbiased = bessel === 1 ? variance : variance.map((v) => v * bessel);
  for (const [v, stat] of [[layer.movingMean, mean], [layer.movingVariance, unbiased]] as const) {
    const orig = v.read();
    const ov = orig.dataSync() as Float32Array;
    const next = new Float32Array(ov.length);
    for (let i = 0; i < ov.length; i++) next[i] = Math.fround(ov[i]! - Math.fround(Math.fround(ov[i]! - stat[i]!) * decay));
    v.write(tf.tensor(next, orig.shape, 'float32'));
  }
}

/**
 * Routes tf.layers.batchNormalization's training-mode call to the fused op (once per process;
 * `fused: false` keeps tfjs-layers' own op, SEG_STUDIO_NATIVE_FUSED_BN=0). Either way the moving
 * variance follows PyTorch's unbiased update.
 */
export function installFusedBatchNormLayer(fused = true): void {
  const { proto: bnProto, patched } = batchNormPrototype();
  if (patched) return;
  markBatchNormPatched(bnProto);
  const proto = bnProto as unknown as { call: CallFn };
  const original = proto.call;
  proto.call = function (this: BatchNormLayerLike, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const training = Boolean(kwargs?.training);
    if (!training || input === undefined) return original.call(this, inputs, kwargs);
    const rank = input.rank;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const fusable =
      fused && tf.getBackend() === 'native' && (!Array.isArray(inputs) || inputs.length === 1) &&
      input.dtype === 'float32' && rank >= 2 && axis === rank - 1 && this.center && this.scale && this.gamma && this.beta;
    if (!fusable) {
      const out = original.call(this, inputs, kwargs);
      topUpMovingVariance(this, input);
      return out;
    }
    const next = soleConsumer(this);
    const relu = isPlainRelu(next) ? next : null;
    return tf.tidy(() => {
      const { y, mean, variance } = fusedBatchNormTrain(input, this.gamma!.read(), this.beta!.read(), this.epsilon, relu !== null);
      updateMovingStatistics(this, mean, variance, input.size / mean.length);
      return relu ? markDone(y, [relu], true) : y;
    });
  };
}
