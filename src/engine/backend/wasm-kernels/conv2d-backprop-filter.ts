// Conv2DBackpropFilter for the wasm backend, which ships without one (so it cannot train a
// conv net). As a matrix product: dW[(kh,kw,ci), co] = Σ_p colT[(kh,kw,ci), p] · dy[p, co],
// p running over every output pixel (n,oh,ow), colT[(kh,kw,ci), p] = x[n, oh·s+kh−pt, ow·s+kw−pl, ci]
// (zero outside the image). We build colT (im2col, transposed so rows are contiguous) in JS
// and let the backend's SIMD matmul do the multiply-adds; pixels are processed in blocks so the
// temporary stays ≤ 16 MB whatever the batch and image size.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, f32, IM2COL_BLOCK_FLOATS, wasmMatMul } from './wasm-heap';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Fills colT[K, count] for output pixels [p0, p0+count). Row k = (kh,kw,ci) is written
 * contiguously; the valid ow range per row is computed once so the inner loop has no branch.
 */
export function im2colTransposed(x: Float32Array, info: tf.backend_util.Conv2DInfo, p0: number, count: number, colT: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      // ow with 0 <= ow·sw + kw − pl < W
      const owLo = Math.max(0, Math.ceil((pl - kw) / sw));
      const owHi = Math.min(OW, Math.floor((W - 1 + pl - kw) / sw) + 1);
      for (let ci = 0; ci < C; ci++) {
        const rowBase = ((kh * KW + kw) * C + ci) * count;
        let p = p0;
        let j = 0;
        while (j < count) {
          const n = Math.floor(p / (OH * OW));
          const rem = p - n * OH * OW;
          const oh = Math.floor(rem / OW);
          const ow0 = rem - oh * OW;
          const run = Math.min(OW - ow0, count - j);
          const dst = rowBase + j;
          const ih = oh * sh + kh - pt;
          if (ih < 0 || ih >= H) {
            colT.fill(0, dst, dst + run);
          } else {
            const lo = Math.max(ow0, owLo);
            const hi = Math.min(ow0 + run, Math.max(owHi, lo));
            if (lo > ow0) colT.fill(0, dst, dst + (lo - ow0));
            let src = ((n * H + ih) * W + (lo * sw + kw - pl)) * C + ci;
            const step = sw * C;
            for (let ow = lo, d = dst + (lo - ow0); ow < hi; ow++, d++, src += step) colT[d] = x[src]!;
            if (hi < ow0 + run) colT.fill(0, dst + (hi - ow0), dst + run);
          }
          j += run;
          p += run;
        }
      }
    }
  }
}

export function conv2dBackpropFilterWasm(backend: unknown, x: TensorInfo, dy: TensorInfo, a: Attrs): TensorInfo {
  if (a.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter: only NHWC is supported');
  const b = asWasm(backend);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const CO = info.outChannels;
  const P = info.batchSize * info.outHeight * info.outWidth;
  const block = Math.max(1, Math.min(P, Math.floor(IM2COL_BLOCK_FLOATS / K)));
  const out = b.makeOutput(a.filterShape, 'float32');
  f32(b, out).fill(0);
  const colT = b.makeOutput([K, block], 'float32');
  try {
    for (let p0 = 0; p0 < P; p0 += block) {
      const count = Math.min(block, P - p0);
      // The tail block reuses colT: its view and shape cover only the first K·count floats.
      const aInfo: TensorInfo = count === block ? colT : { ...colT, shape: [K, count] };
      // A whole-batch product reads dy in place. A block gets a fresh copy of its dy rows:
      // the backend's matmul caches packed right-hand operands by tensor id, so a reused
      // buffer with new contents would be multiplied with stale data.
      const dyPart: TensorInfo = block === P ? { ...dy, shape: [P, CO] } : b.makeOutput([count, CO], 'float32');
      if (block !== P) f32(b, dyPart).set(f32(b, dy).subarray(p0 * CO, (p0 + count) * CO));
      im2colTransposed(f32(b, x), info, p0, count, f32(b, aInfo));
      const prod = wasmMatMul(b, aInfo, dyPart);
      if (block !== P) b.disposeData(dyPart.dataId);
      const acc = f32(b, out);
      const part = f32(b, prod);
      for (let i = 0; i < acc.length; i++) acc[i]! += part[i]!;
      b.disposeData(prod.dataId);
    }
  } finally {
    b.disposeData(colT.dataId);
  }
  return out;
}

export const wasmConv2DBackpropFilter: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    return conv2dBackpropFilterWasm(backend, x, dy, attrs as unknown as Attrs);
  },
};
