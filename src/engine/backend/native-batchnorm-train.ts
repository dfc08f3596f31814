// Training-mode batch normalization as one fused op on the 'native' backend.
// tfjs-layers builds it from moments (mean, sub, square, mean) + batchNorm; every piece is a
// full-size tensor that stays alive until the backward pass ends, and its gradient is another
// dozen full-size ops. For UNet-64 at 256² that was ~40% of the activation memory (peak RSS
// 7.4 GB vs the 4.6 GB budget) and most of the non-convolution time (docs/speed.md).
// Here: forward = one kernel (stats + normalize, output y only); backward = one reduction pass
// and one dx pass. BatchNormalization layers use it while the backend is 'native', the layer
// is in training mode and normalizes the last axis with both gamma and beta; otherwise the
// layer's own implementation runs unchanged.
import * as tf from '@tensorflow/tfjs';
import type { GradSaveFunc, NamedAttrMap, Tensor } from '@tensorflow/tfjs';

import { f32, tensorInput, type NativeKernel } from './native-kernel-util';

const TRAIN_KERNEL = 'SegNativeBatchNormTrain';
const DX_KERNEL = 'SegNativeBatchNormTrainDx';
const SUMS_KERNEL = 'SegNativeBatchNormGradSums';

export const batchNormTrainKernels: NativeKernel[] = [
  {
    kernelName: TRAIN_KERNEL,
    impl: ({ inputs, backend, attrs }, addon) => {
      const x = inputs.x as tf.TensorInfo;
      const xv = f32(backend, x), gv = f32(backend, inputs.gamma as tf.TensorInfo), bv = f32(backend, inputs.beta as tf.TensorInfo);
      if (!xv || !gv || !bv) throw new Error(`${TRAIN_KERNEL}: float32 inputs required`);
      const c = x.shape[x.shape.length - 1]!;
      const y = new Float32Array(xv.length), mean = new Float32Array(c), variance = new Float32Array(c);
      addon.batchNormTrain(xv, gv, bv, Number(attrs.eps), c, y, mean, variance);
      return [
        backend.makeTensorInfo(x.shape.slice(), 'float32', y),
        backend.makeTensorInfo([c], 'float32', mean),
        backend.makeTensorInfo([c], 'float32', variance),
      ];
    },
  },
  {
    kernelName: DX_KERNEL,
    impl: (args, addon) => {
      const names = ['x', 'dy', 'mean', 'k', 'a', 'b'];
      const vals = names.map((n) => f32(args.backend, tensorInput(args, n)));
      if (vals.some((v) => !v)) throw new Error(`${DX_KERNEL}: float32 inputs required`);
      const x = tensorInput(args, 'x')!;
      const [xv, dyv, mv, kv, av, bv] = vals as Float32Array[];
      const dx = new Float32Array(xv!.length);
      addon.batchNormTrainDx(xv!, dyv!, mv!, kv!, av!, bv!, x.shape[x.shape.length - 1]!, dx);
      return args.backend.makeTensorInfo(x.shape.slice(), 'float32', dx);
    },
  },
];

const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}) =>
  tf.engine().runKernel(name, inputs, attrs as NamedAttrMap);

/**
 * y = batchnorm(x) with batch statistics over every axis but the last, plus those statistics
 * (mean and biased variance, as tf.moments gives) for the caller's moving averages.
 * Gradients flow to x, gamma and beta.
 */
export function fusedBatchNormTrain(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  let stats: Tensor[] = [];
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [xx, g, b, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
    const [y, mean, variance] = run(TRAIN_KERNEL, { x: xx, gamma: g, beta: b }, { eps }) as Tensor[];
    save([xx, g, mean!, variance!]);
    stats = [tf.keep(mean!.clone()), tf.keep(variance!.clone())];
    return {
      value: y!,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [sx, sg, sm, sv] = saved as [Tensor, Tensor, Tensor, Tensor];
        const dyT = dy as Tensor;
        const m = sx.size / sx.shape[sx.shape.length - 1]!;
        const [sumDy, sumDyXc] = run(SUMS_KERNEL, { x: sx, dy: dyT, mean: sm }) as Tensor[];
        const r = tf.rsqrt(tf.add(sv, eps));
        // dx = gamma*r * (dy - sumDy/M - (x-mean) * r^2 * sumDyXc/M)
        const dx = run(DX_KERNEL, {
          x: sx, dy: dyT, mean: sm,
          k: tf.mul(sg, r), a: tf.div(sumDy!, m), b: tf.div(tf.mul(tf.square(r), sumDyXc!), m),
        }) as Tensor;
        return [dx, tf.mul(r, sumDyXc!), sumDy!];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: stats[0]!, variance: stats[1]! };
}

interface LayerVar {
  read(): Tensor;
  write(v: Tensor): void;
}
interface BatchNormLayerLike {
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

let patched = false;

/** Routes tf.layers.batchNormalization's training-mode call to the fused op (once per process). */
export function installFusedBatchNormLayer(): void {
  if (patched) return;
  patched = true;
  const proto = Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: CallFn };
  const original = proto.call;
  proto.call = function (this: BatchNormLayerLike, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const training = Boolean(kwargs?.training);
    const rank = input?.rank ?? 0;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const fusable =
      training && tf.getBackend() === 'native' && input !== undefined && (!Array.isArray(inputs) || inputs.length === 1) &&
      input.dtype === 'float32' && rank >= 2 && axis === rank - 1 && this.center && this.scale && this.gamma && this.beta;
    if (!fusable) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = fusedBatchNormTrain(input!, this.gamma!.read(), this.beta!.read(), this.epsilon);
      // Same moving-average update as the layer: v -= (v - batchStat) * (1 - momentum).
      for (const [v, stat] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const orig = v.read();
          v.write(tf.sub(orig, tf.mul(tf.sub(orig, stat), 1 - this.momentum)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  };
}
