// Conv2DBackpropFilter for the wasm backend, which ships without one (so it cannot train a
// conv net). The filter gradient is a sum of outer products of input patches and output
// gradients: dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co].
// Looping co innermost keeps both the dW row and the dy row contiguous (NHWC, HWIO), which the
// JIT turns into a tight multiply-add loop.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilterNhwc(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  out: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  out.fill(0);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - padTop;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - padLeft;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (kh * filterWidth + kw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = x[xBase + ci]!;
              if (xv === 0) continue; // ReLU outputs are often zero: skip the whole row.
              const row = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) out[row + co]! += xv * dy[dyBase + co]!;
            }
          }
        }
      }
    }
  }
}

export const wasmConv2DBackpropFilter: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as Attrs;
    if (a.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter: only NHWC is supported');
    const b = backend as unknown as WasmBackendLike;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      a.filterShape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const out = b.makeOutput(a.filterShape, 'float32');
    // Read views after makeOutput: allocating can grow wasm memory and detach older views.
    conv2dBackpropFilterNhwc(b.typedArrayFromHeap(x), b.typedArrayFromHeap(dy), info, b.typedArrayFromHeap(out));
    return out;
  },
};
