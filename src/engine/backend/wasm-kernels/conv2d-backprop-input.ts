// Conv2DBackpropInput for the wasm backend. The package has one, but it is a scalar C loop
// (~2.5 GFLOP/s, 10× slower than its forward convolution), and every conv layer's input
// gradient plus every conv2dTranspose forward runs through it. As a matrix product:
// col[p, (kh,kw,ci)] = Σ_co dy[p, co] · W[kh,kw,ci,co], i.e. col = dy · Wᵀ on the backend's
// SIMD matmul, then col2im scatter-adds col[p, (kh,kw,ci)] into dx[n, oh·s+kh−pt, ow·s+kw−pl, ci].
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, f32, IM2COL_BLOCK_FLOATS, wasmMatMul } from './wasm-heap';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Adds col[count, K] (output pixels p0…p0+count) into dx; the ci run is contiguous on both sides. */
export function col2imAdd(col: Float32Array, info: tf.backend_util.Conv2DInfo, p0: number, count: number, dx: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const K = KH * KW * C;
  for (let j = 0; j < count; j++) {
    const p = p0 + j;
    const n = Math.floor(p / (OH * OW));
    const rem = p - n * OH * OW;
    const oh = Math.floor(rem / OW);
    const ow = rem - oh * OW;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh + kh - pt;
      if (ih < 0 || ih >= H) continue;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw + kw - pl;
        if (iw < 0 || iw >= W) continue;
        const dst = ((n * H + ih) * W + iw) * C;
        const src = j * K + (kh * KW + kw) * C;
        for (let ci = 0; ci < C; ci++) dx[dst + ci]! += col[src + ci]!;
      }
    }
  }
}

export function conv2dBackpropInputWasm(backend: unknown, dy: TensorInfo, filter: TensorInfo, a: Attrs): TensorInfo {
  if (a.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropInput: only NHWC is supported');
  const b = asWasm(backend);
  const fShape = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, fShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const CO = info.outChannels;
  const P = info.batchSize * info.outHeight * info.outWidth;
  const block = Math.max(1, Math.min(P, Math.floor(IM2COL_BLOCK_FLOATS / K)));
  const dx = b.makeOutput(a.inputShape, 'float32');
  // Wᵀ[CO, K]: small, and a fresh tensor per call (the matmul caches packed right-hand operands by id).
  const wT = b.makeOutput([CO, K], 'float32');
  const dyBlock = block === P ? undefined : b.makeOutput([block, CO], 'float32');
  try {
    {
      const w = f32(b, filter);
      const t = f32(b, wT);
      for (let k = 0; k < K; k++) for (let co = 0; co < CO; co++) t[co * K + k] = w[k * CO + co]!;
    }
    f32(b, dx).fill(0);
    for (let p0 = 0; p0 < P; p0 += block) {
      const count = Math.min(block, P - p0);
      let left: TensorInfo = { ...dy, shape: [P, CO] };
      if (dyBlock) {
        // The left operand is not cached, so one buffer serves every block (the tail uses its head).
        left = count === block ? dyBlock : { ...dyBlock, shape: [count, CO] };
        f32(b, left).set(f32(b, dy).subarray(p0 * CO, (p0 + count) * CO));
      }
      const col = wasmMatMul(b, left, wT);
      col2imAdd(f32(b, col), info, p0, count, f32(b, dx));
      b.disposeData(col.dataId);
    }
  } finally {
    b.disposeData(wT.dataId);
    if (dyBlock) b.disposeData(dyBlock.dataId);
  }
  return dx;
}

export const wasmConv2DBackpropInput: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    return conv2dBackpropInputWasm(backend, dy, filter, attrs as unknown as Attrs);
  },
};
