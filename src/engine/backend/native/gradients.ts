// Leaner gradients for the ops a training-mode batch norm + ReLU is built from. tfjs-core
// defines these gradients as compositions of full-size element-wise ops (FusedBatchNorm: ~12
// passes over the activation; Mean: ones + mul + div; Square: two muls; Relu: step + mul); each
// pass allocates a tensor, and allocation plus the GC it triggers dominated a UNet training step
// (docs/speed.md); ClipByValue (the BCE clip): five JavaScript passes. The gradients registered here compute the same values in 1-2 passes with
// kernels that exist only on the 'native' backend. Gradients are registered per kernel for all
// backends, so each wrapper uses the native formula only while 'native' is the active backend
// and the tensors are float32, and otherwise calls the original tfjs-core gradient unchanged.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { f32, output, tensorInput, type NativeKernel } from './kernel-util';
import { BINARY_OP } from './op-codes';

const BINARY_KERNEL = 'SegNativeBinary';
const BN_SUMS_KERNEL = 'SegNativeBatchNormGradSums';
const CLIP_GRAD_KERNEL = 'SegNativeClipGrad';

/** Kernels used only by the gradients below (registered on the 'native' backend alone). */
export const gradientKernels: NativeKernel[] = [
  {
    kernelName: CLIP_GRAD_KERNEL,
    impl: (args, addon) => {
      const dy = tensorInput(args, 'dy'), x = tensorInput(args, 'x');
      const dyv = f32(args.backend, dy), xv = f32(args.backend, x);
      if (!dy || !dyv || !xv || dyv.length !== xv.length) throw new Error(`${CLIP_GRAD_KERNEL}: float32 inputs of one shape required`);
      return output(args.backend, dy.shape.slice(), (o) => addon.clipGrad(dyv, xv, o, Number(args.attrs.lo), Number(args.attrs.hi)));
    },
  },
  {
    // out[outShape] = op(broadcast(a), broadcast(b)); the output may be larger than both inputs.
    kernelName: BINARY_KERNEL,
    impl: (args, addon) => {
      const a = tensorInput(args, 'a'), b = tensorInput(args, 'b');
      const av = f32(args.backend, a), bv = f32(args.backend, b);
      if (!a || !b || !av || !bv) throw new Error(`${BINARY_KERNEL}: float32 inputs required`);
      const shape = args.attrs.outShape as number[];
      return output(args.backend, shape, (o) => addon.binary(args.attrs.op as number, av, a.shape, bv, b.shape, o, shape));
    },
  },
  {
    kernelName: BN_SUMS_KERNEL,
    impl: (args, addon) => {
      const x = tensorInput(args, 'x'), dy = tensorInput(args, 'dy'), mean = tensorInput(args, 'mean');
      const xv = f32(args.backend, x), dyv = f32(args.backend, dy), mv = f32(args.backend, mean);
      if (!x || !xv || !dyv || !mv) throw new Error(`${BN_SUMS_KERNEL}: float32 inputs required`);
      const c = x.shape[x.shape.length - 1]!;
      const sumDy = new Float32Array(c), sumDyXc = new Float32Array(c);
      addon.batchNormGradSums(xv, dyv, mv, c, sumDy, sumDyXc);
      const backend = args.backend as MathBackendCPU;
      return [backend.makeTensorInfo([c], 'float32', sumDy), backend.makeTensorInfo([c], 'float32', sumDyXc)];
    },
  },
];

function nativeBinary(op: number, a: Tensor, b: Tensor, outShape: number[]): Tensor {
  return tf.engine().runKernel(BINARY_KERNEL, { a, b }, { op, outShape } as unknown as NamedAttrMap) as Tensor;
}

const allF32 = (...ts: (Tensor | undefined | null)[]) => ts.every((t) => t == null || t.dtype === 'float32');
const onNative = () => tf.getBackend() === 'native';

type NativeGrad = (dy: Tensor, saved: Tensor[], attrs: NamedAttrMap) => Record<string, () => Tensor> | null;

const nativeGrads: Record<string, NativeGrad> = {
  ClipByValue: (dy, [x], attrs) =>
    allF32(dy, x) && tf.util.arraysEqual(dy.shape, x!.shape)
      ? {
          x: () =>
            tf.engine().runKernel(CLIP_GRAD_KERNEL, { dy, x: x! }, { lo: attrs.clipValueMin, hi: attrs.clipValueMax } as unknown as NamedAttrMap) as Tensor,
        }
      : null,
  Relu: (dy, [x]) => (allF32(dy, x) ? { x: () => nativeBinary(BINARY_OP.ReluGrad, dy, x!, x!.shape) } : null),
  Square: (dy, [x]) => (allF32(dy, x) ? { x: () => nativeBinary(BINARY_OP.SquareGrad, dy, x!, x!.shape) } : null),
  Mean: (dy, [x], attrs) => {
    if (!allF32(dy, x)) return null;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x!.shape);
    const [, reduceShape] = tf.backend_util.computeOutAndReduceShapes(x!.shape, axes);
    const expanded = x!.shape.slice();
    for (const a of axes) expanded[a] = 1;
    // Same value as tfjs-core's div(mul(reshape(dy), ones(x.shape)), reduceSize), in one pass.
    return {
      x: () => nativeBinary(BINARY_OP.RealDiv, tf.reshape(dy, expanded), tf.scalar(tf.util.sizeFromShape(reduceShape)), x!.shape),
    };
  },
  FusedBatchNorm: (dy, [x, mean, variance, scale], attrs) => {
    const c = x!.shape[x!.shape.length - 1];
    const perChannel = (t: Tensor | undefined) => t == null || (t.rank === 1 && t.shape[0] === c);
    if (!allF32(dy, x, mean, variance, scale) || !perChannel(mean) || !perChannel(variance) || !perChannel(scale)) return null;
    const eps = Number(attrs.varianceEpsilon ?? 0.001);
    // [C]-sized tensors; computed eagerly (they are tiny) so the closures below share them.
    const [sumDy, sumDyXc] = tf.engine().runKernel(BN_SUMS_KERNEL, { x: x!, dy, mean: mean! }, {}) as Tensor[];
    const r = tf.rsqrt(tf.add(variance!, tf.scalar(eps)));
    const s = scale ?? tf.scalar(1);
    return {
      x: () => tf.mul(dy, tf.mul(s, r)),
      mean: () => tf.mul(tf.mul(tf.neg(r), s), sumDy!),
      variance: () => tf.mul(tf.mul(tf.mul(tf.pow(r, tf.scalar(3)), tf.scalar(-0.5)), s), sumDyXc!),
      scale: () => tf.mul(r, sumDyXc!),
      offset: () => tf.clone(sumDy!),
    };
  },
};

let installed = false;

/** Wraps the tfjs-core gradients above (once per process); other backends see no change. */
export function installNativeGradients(): void {
  if (installed) return;
  installed = true;
  for (const [kernelName, nativeGrad] of Object.entries(nativeGrads)) {
    const original = tf.getGradient(kernelName) as GradConfig | undefined;
    if (!original) continue;
    tf.registerGradient({
      ...original,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
        if (onNative() && !Array.isArray(dy)) {
          const g = nativeGrad(dy, saved, attrs);
          if (g) return g;
        }
        return original.gradFunc(dy, saved, attrs);
      },
    });
  }
}
