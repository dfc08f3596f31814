// The small part of the wasm backend's internals our kernels use. Tensors live in the wasm
// heap; `typedArrayFromHeap` gives a Float32Array view. Any allocation may grow the heap and
// detach earlier views, so kernels take views only after their last allocation.
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  /** A view typed by the tensor's dtype: float32 → Float32Array, int32 → Int32Array, bool → Uint8Array. */
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

export function asWasm(backend: unknown): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function' || typeof b.disposeData !== 'function') {
    throw new Error('wasm training kernels: the backend does not look like tfjs-backend-wasm 4.x');
  }
  return b as WasmBackendLike;
}

/** A float32 tensor's heap view (the conv kernels are float32-only, as the package's). */
export function f32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  const v = backend.typedArrayFromHeap(t);
  if (!(v instanceof Float32Array)) throw new Error(`wasm training kernels: expected float32, got ${t.dtype}`);
  return v;
}

/**
 * C[M,N] = A[M,K]·B[K,N] with the wasm backend's own BatchMatMul (XNNPACK, SIMD): ~25 GFLOP/s
 * against ~1 in plain JS. Only the non-transposed form is fast there, so callers lay A and B
 * out that way. The result is a new heap tensor the caller must dispose.
 */
export function wasmMatMul(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo): TensorInfo {
  const k = tf.getKernel('BatchMatMul', 'wasm');
  if (!k) throw new Error('wasm BatchMatMul kernel is not registered');
  return k.kernelFunc({ inputs: { a, b }, backend: backend as never, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
}

/** Largest block (in floats) of an im2col buffer: bounds the temporary memory of a conv gradient. */
export const IM2COL_BLOCK_FLOATS = 1 << 22;
