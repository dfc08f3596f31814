// Kernels the wasm backend needs for training: added where the package has none, replaced
// where its own is too slow to train with. Registered once, before the backend is first used.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { wasmConv2DBackpropFilter } from './conv2d-backprop-filter';
import { wasmConv2DBackpropInput } from './conv2d-backprop-input';
import { makeWasmTile } from './tile';

/** Missing from tfjs-backend-wasm 4.22: without it no conv net can train on wasm. */
export const WASM_MISSING_KERNELS: KernelConfig[] = [wasmConv2DBackpropFilter];
/** Present but too slow to train with (see each file for the numbers). */
export function wasmReplacedKernels(): KernelConfig[] {
  // Tile keeps the package's kernel for dtypes it does not handle (strings).
  return [wasmConv2DBackpropInput, makeWasmTile(tf.getKernel('Tile', 'wasm')?.kernelFunc)];
}

let done = false;

export function registerWasmTrainingKernels(): void {
  if (done) return;
  done = true;
  for (const k of WASM_MISSING_KERNELS) if (!tf.getKernel(k.kernelName, 'wasm')) tf.registerKernel(k);
  // SEG_STUDIO_WASM_PACKAGE_KERNELS=1 keeps the package's kernels (for comparisons).
  if (process.env.SEG_STUDIO_WASM_PACKAGE_KERNELS === '1') return;
  for (const k of wasmReplacedKernels()) {
    if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
}
