// Kernels the wasm backend needs for training: added where the package has none, replaced
// where its own is too slow to train with. Registered once, before the backend is first used.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { wasmConv2DBackpropFilter } from './conv2d-backprop-filter';
import { wasmConv2DBackpropInput } from './conv2d-backprop-input';

/** Missing from tfjs-backend-wasm 4.22: without it no conv net can train on wasm. */
export const WASM_MISSING_KERNELS: KernelConfig[] = [wasmConv2DBackpropFilter];
/** Present but a scalar loop; ours runs on the backend's SIMD matmul (see the file). */
export const WASM_REPLACED_KERNELS: KernelConfig[] = [wasmConv2DBackpropInput];

let done = false;

export function registerWasmTrainingKernels(): void {
  if (done) return;
  done = true;
  for (const k of WASM_MISSING_KERNELS) if (!tf.getKernel(k.kernelName, 'wasm')) tf.registerKernel(k);
  // SEG_STUDIO_WASM_OWN_BACKPROP_INPUT=0 keeps the package's kernel (for comparisons).
  if (process.env.SEG_STUDIO_WASM_OWN_BACKPROP_INPUT === '0') return;
  for (const k of WASM_REPLACED_KERNELS) {
    if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
}
