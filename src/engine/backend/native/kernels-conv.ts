// Convolution kernels on oneDNN: Conv2D, FusedConv2D (bias + activation fused as post-op),
// Conv2DBackpropInput (also the forward of conv2dTranspose) and Conv2DBackpropFilter.
// Only NHWC is handled natively (the layout tfjs-layers uses); NCHW falls back.
import { backend_util } from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';

import type { NativeAddon } from './addon';
import { f32, output, pair, tensorInput, type NativeKernel, type NativeKernelArgs } from './kernel-util';
import { CONV_ACTIVATION } from './op-codes';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

interface Geometry {
  xShape: number[];
  wShape: number[];
  yShape: number[];
  strides: number[];
  pads: number[];
  dilations: number[];
}

/** oneDNN geometry of a tfjs NHWC convolution (null for NCHW). */
export function convGeometry(xShape: number[], wShape: number[], attrs: NativeKernelArgs['attrs']): Geometry | null {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const strides = pair(attrs.strides as number | number[], 1);
  const dilations = pair(attrs.dilations as number | number[] | undefined, 1);
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], wShape as [number, number, number, number], strides, dilations,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding, false, 'channelsLast',
  );
  const p = info.padInfo;
  return {
    xShape, wShape,
    yShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    strides, dilations,
    pads: [p.top, p.bottom, p.left, p.right],
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Per-output-channel affine applied after the bias (an inference batch norm, folded). */
export interface ChannelAffine {
  scale: Float32Array;
  shift: Float32Array;
}

export function forward(args: NativeKernelArgs, addon: NativeAddon, fused: boolean, affine: ChannelAffine | null = null): TensorInfo | null {
  const { backend, attrs } = args;
  const x = tensorInput(args, 'x');
  const w = tensorInput(args, 'filter');
  const xv = f32(backend, x), wv = f32(backend, w);
  if (!x || !w || !xv || !wv || x.shape.length !== 4) return null;
  const g = convGeometry(x.shape, w.shape, attrs);
  if (!g) return null;
  let bias: Float32Array | null = null;
  let act = CONV_ACTIVATION.linear!;
  let alpha = 0;
  if (fused) {
    const b = tensorInput(args, 'bias');
    if (b) {
      bias = f32(backend, b);
      // Only a per-output-channel bias maps onto oneDNN's bias; other broadcasts fall back.
      if (!bias || bias.length !== g.yShape[3]) return null;
    }
    const name = (attrs.activation as string | undefined) ?? 'linear';
    if (!(name in CONV_ACTIVATION)) return null; // prelu needs per-element weights: reference path
    act = CONV_ACTIVATION[name]!;
    alpha = name === 'leakyrelu' ? Number(attrs.leakyreluAlpha ?? 0.2) : 0;
  }
  if (affine && (affine.scale.length !== g.yShape[3] || affine.shift.length !== g.yShape[3])) return null;
  return output(backend, g.yShape, (y) =>
    addon.convForward(
      xv, wv, bias, y, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations, act, alpha,
      affine?.scale ?? null, affine?.shift ?? null,
    ),
  );
}

export const convKernels: NativeKernel[] = [
  { kernelName: 'Conv2D', impl: (a, addon) => forward(a, addon, false) },
  { kernelName: 'FusedConv2D', impl: (a, addon) => forward(a, addon, true) },
  {
    kernelName: 'Conv2DBackpropInput',
    impl: (args, addon) => {
      const dy = tensorInput(args, 'dy');
      const w = tensorInput(args, 'filter');
      const dyv = f32(args.backend, dy), wv = f32(args.backend, w);
      const xShape = args.attrs.inputShape as number[];
      if (!dy || !w || !dyv || !wv || xShape.length !== 4) return null;
      const g = convGeometry(xShape, w.shape, { ...args.attrs, dilations: 1 });
      if (!g || !sameShape(g.yShape, dy.shape)) return null;
      return output(args.backend, xShape, (dx) =>
        addon.convBackwardData(dyv, wv, dx, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations),
      );
    },
  },
  {
    kernelName: 'Conv2DBackpropFilter',
    impl: (args, addon) => {
      const x = tensorInput(args, 'x');
      const dy = tensorInput(args, 'dy');
      const xv = f32(args.backend, x), dyv = f32(args.backend, dy);
      const wShape = args.attrs.filterShape as number[];
      if (!x || !dy || !xv || !dyv || wShape.length !== 4) return null;
      const g = convGeometry(x.shape, wShape, { ...args.attrs, dilations: 1 });
      if (!g || !sameShape(g.yShape, dy.shape)) return null;
      return output(args.backend, wShape, (dw) =>
        addon.convBackwardWeights(xv, dyv, dw, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations),
      );
    },
  },
];
