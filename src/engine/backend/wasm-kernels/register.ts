// Kernels the wasm backend needs for training but does not ship. Registered once, before the
// backend is first used.
import * as tf from '@tensorflow/tfjs';
import { wasmConv2DBackpropFilter } from './conv2d-backprop-filter';

let done = false;

export const WASM_TRAINING_KERNELS = [wasmConv2DBackpropFilter];

export function registerWasmTrainingKernels(): void {
  if (done) return;
  done = true;
  for (const k of WASM_TRAINING_KERNELS) {
    if (!tf.getKernel(k.kernelName, 'wasm')) tf.registerKernel(k);
  }
}
