// Reductions, pooling and data movement: Sum/Mean/Max/Min, MaxPool/MaxPoolGrad, Concat,
// Slice (non-contiguous) and Tile. The reference backend transposes before reducing over
// outer axes and slices element by element; these do one pass.
import { backend_util, slice_util, util } from '@tensorflow/tfjs';

import { takeFloat32 } from './cpu-backend';
import { f32, listInputs, output, sizeOf, tensorInput, type NativeKernel } from './kernel-util';
import { REDUCE_OP } from './op-codes';

const reduceKernels: NativeKernel[] = Object.entries(REDUCE_OP).map(([kernelName, op]) => ({
  kernelName,
  impl: (args, addon) => {
    const x = tensorInput(args, 'x');
    const xv = f32(args.backend, x);
    if (!x || !xv || xv.length === 0) return null;
    const attrAxis = (kernelName === 'Max' ? args.attrs.reductionIndices : args.attrs.axis) as
      | number
      | number[];
    const axes = util.parseAxisParam(attrAxis, x.shape);
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = args.attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const values = takeFloat32(args.backend, sizeOf(shape), true);
    if (!addon.reduce(op, xv, x.shape, axes, values)) return null;
    return args.backend.makeTensorInfo(shape, 'float32', values);
  },
}));

function poolGeometry(xShape: number[], attrs: Record<string, unknown>) {
  const info = backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  return {
    yShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    kernel: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    pads: [info.padInfo.top, info.padInfo.left],
  };
}

const maxPool: NativeKernel = {
  kernelName: 'MaxPool',
  impl: (args, addon) => {
    const x = tensorInput(args, 'x');
    const xv = f32(args.backend, x);
    if (!x || !xv || x.shape.length !== 4) return null;
    const g = poolGeometry(x.shape, args.attrs);
    return output(args.backend, g.yShape, (y) => addon.maxPool(xv, y, x.shape, g.yShape, g.kernel, g.strides, g.pads));
  },
};

const maxPoolGrad: NativeKernel = {
  kernelName: 'MaxPoolGrad',
  impl: (args, addon) => {
    const dy = tensorInput(args, 'dy'), x = tensorInput(args, 'input');
    const dyv = f32(args.backend, dy), xv = f32(args.backend, x);
    if (!dy || !x || !dyv || !xv || x.shape.length !== 4) return null;
    const g = poolGeometry(x.shape, args.attrs);
    if (g.yShape.some((d, i) => d !== dy.shape[i])) return null;
    return output(args.backend, x.shape.slice(), (dx) =>
      addon.maxPoolGrad(dyv, xv, dx, x.shape, g.yShape, g.kernel, g.strides, g.pads),
    );
  },
};

const concat: NativeKernel = {
  kernelName: 'Concat',
  impl: (args, addon) => {
    const all = listInputs(args.inputs);
    if (all.length === 0) return null;
    const axis = util.parseAxisParam(args.attrs.axis as number, all[0]!.shape)[0]!;
    const inputs = all.filter((t) => sizeOf(t.shape) > 0);
    const vals = inputs.map((t) => f32(args.backend, t));
    // One input is an identity copy and empty outputs are trivial: the reference handles both.
    if (inputs.length < 2 || vals.some((v) => v === null)) return null;
    backend_util.assertParamsConsistent(all.map((t) => t.shape), axis);
    const shape = backend_util.computeOutShape(all.map((t) => t.shape), axis);
    const outer = sizeOf(shape.slice(0, axis));
    const inner = inputs.map((t) => sizeOf(t.shape.slice(axis)));
    return output(args.backend, shape, (o) => addon.concat(vals as Float32Array[], inner, outer, o));
  },
};

const slice: NativeKernel = {
  kernelName: 'Slice',
  impl: (args, addon) => {
    const x = tensorInput(args, 'x');
    const xv = f32(args.backend, x);
    if (!x || !xv || x.shape.length === 0) return null;
    const [begin, size] = slice_util.parseSliceParams(x, args.attrs.begin as number[], args.attrs.size as number[]);
    slice_util.assertParamsValid(x, begin!, size!);
    // Contiguous slices are a zero-copy subarray in the reference backend; keep that.
    if (sizeOf(size!) === 0 || slice_util.isSliceContinous(x.shape, begin!, size!)) return null;
    return output(args.backend, size!, (o) => addon.slice(xv, x.shape, begin!, size!, o));
  },
};

// Split is how the gradient of Concat reaches each input: one strided slice per piece.
const splitV: NativeKernel = {
  kernelName: 'SplitV',
  impl: (args, addon) => {
    const x = tensorInput(args, 'x');
    const xv = f32(args.backend, x);
    if (!x || !xv || x.shape.length === 0) return null;
    const axis = util.parseAxisParam(args.attrs.axis as number, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x as never, args.attrs.numOrSizeSplits as number | number[], axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const start = begin.slice();
      begin[axis]! += s;
      return output(args.backend, size, (o) => {
        if (o.length > 0) addon.slice(xv, x.shape, start, size, o);
      });
    });
  },
};

const tile: NativeKernel = {
  kernelName: 'Tile',
  impl: (args, addon) => {
    const x = tensorInput(args, 'x');
    const xv = f32(args.backend, x);
    const reps = args.attrs.reps as number[];
    if (!x || !xv || x.shape.length === 0 || reps.length !== x.shape.length || xv.length === 0) return null;
    const shape = x.shape.map((d, i) => d * reps[i]!);
    return output(args.backend, shape, (o) => addon.tile(xv, x.shape, reps, o));
  },
};

// ZeroPadding2D (ResNet34-UNet's stem, max-pool and strided convs): the reference kernel maps
// every output coordinate in JavaScript, ~120 ms per call at 256² (docs/speed.md).
const padV2: NativeKernel = {
  kernelName: 'PadV2',
  impl: (args, addon) => {
    const x = tensorInput(args, 'x');
    const xv = f32(args.backend, x);
    const paddings = args.attrs.paddings as Array<[number, number]>;
    if (!x || !xv || x.shape.length === 0 || paddings.length !== x.shape.length) return null;
    const before = paddings.map((p) => p[0]), after = paddings.map((p) => p[1]);
    if (before.some((b) => b < 0) || after.some((a) => a < 0)) return null;
    const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
    return output(args.backend, shape, (o) => {
      if (o.length > 0) addon.pad(xv, x.shape, before, after, Number(args.attrs.constantValue ?? 0), o);
    });
  },
};

// The reference Cast from bool/int32 to float32 keeps the Uint8Array/Int32Array storage and only
// relabels the dtype ("no encoding loss"), so every later native kernel, which needs a
// Float32Array, declined it: the masks of the loss (cast(greater(...))) ran all their
// multiplies and sums in JavaScript, ~0.7 ms per 64K-element op. One real conversion here.
const cast: NativeKernel = {
  kernelName: 'Cast',
  impl: (args) => {
    const x = tensorInput(args, 'x');
    if (!x || args.attrs.dtype !== 'float32' || (x.dtype !== 'bool' && x.dtype !== 'int32')) return null;
    const values = args.backend.data.get(x.dataId)?.values;
    if (!(values instanceof Uint8Array) && !(values instanceof Int32Array)) return null;
    return args.backend.makeTensorInfo(x.shape.slice(), 'float32', Float32Array.from(values));
  },
};

export const dataKernels: NativeKernel[] = [...reduceKernels, maxPool, maxPoolGrad, concat, slice, splitV, tile, padV2, cast];
