// Element-wise kernels: broadcasting binary ops, unary ops, AddN and FusedBatchNorm.
// Non-float32 tensors (int32 index math, bool masks) go to the reference kernels.
import { backend_util } from '@tensorflow/tfjs';

import { f32, listInputs, output, tensorInput, type NativeKernel } from './kernel-util';
import { BINARY_KERNELS, BINARY_OP, UNARY_OP } from './op-codes';

const binaryKernels: NativeKernel[] = BINARY_KERNELS.map((kernelName) => ({
  kernelName,
  impl: (args, addon) => {
    const a = tensorInput(args, 'a'), b = tensorInput(args, 'b');
    const av = f32(args.backend, a), bv = f32(args.backend, b);
    if (!a || !b || !av || !bv) return null;
    const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    return output(args.backend, shape, (o) => addon.binary(BINARY_OP[kernelName], av, a.shape, bv, b.shape, o, shape));
  },
}));

const unaryKernels: NativeKernel[] = Object.entries(UNARY_OP).map(([kernelName, op]) => ({
  kernelName,
  impl: (args, addon) => {
    const x = tensorInput(args, 'x');
    const xv = f32(args.backend, x);
    if (!x || !xv) return null;
    const param = kernelName === 'Step' ? Number(args.attrs.alpha ?? 0) : kernelName === 'LeakyRelu' ? Number(args.attrs.alpha ?? 0.2) : 0;
    return output(args.backend, x.shape.slice(), (y) => addon.unary(op, xv, y, param));
  },
}));

const addN: NativeKernel = {
  kernelName: 'AddN',
  impl: (args, addon) => {
    const tensors = listInputs(args.inputs);
    const vals = tensors.map((t) => f32(args.backend, t));
    if (tensors.length === 0 || vals.some((v) => v === null)) return null;
    const shape = tensors[0]!.shape.slice();
    if (tensors.some((t) => t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) return null;
    return output(args.backend, shape, (o) => addon.addN(vals as Float32Array[], o));
  },
};

const fusedBatchNorm: NativeKernel = {
  kernelName: 'FusedBatchNorm',
  impl: (args, addon) => {
    const { backend } = args;
    const x = tensorInput(args, 'x');
    const xv = f32(backend, x);
    const mean = f32(backend, tensorInput(args, 'mean'));
    const variance = f32(backend, tensorInput(args, 'variance'));
    const offsetT = tensorInput(args, 'offset'), scaleT = tensorInput(args, 'scale');
    const offset = offsetT ? f32(backend, offsetT) : null;
    const scale = scaleT ? f32(backend, scaleT) : null;
    if (!x || !xv || !mean || !variance || (offsetT && !offset) || (scaleT && !scale) || x.shape.length === 0) return null;
    const channels = x.shape[x.shape.length - 1]!;
    // The reference indexes each parameter as i % length; with length C or 1 that is exactly
    // "per channel of the last axis" or "scalar", the two cases the native kernel implements.
    const fits = (v: Float32Array | null) => v === null || v.length === 1 || v.length === channels;
    if (![mean, variance, offset, scale].every(fits)) return null;
    const eps = Number(args.attrs.varianceEpsilon ?? 0.001);
    return output(backend, x.shape.slice(), (y) => addon.batchNormApply(xv, mean, variance, offset, scale, eps, y, channels));
  },
};

export const elementwiseKernels: NativeKernel[] = [...binaryKernels, ...unaryKernels, addN, fusedBatchNorm];
