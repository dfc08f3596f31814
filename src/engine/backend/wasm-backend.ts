// TensorFlow.js's WebAssembly backend under Node: the always-available fallback. Under Node it
// runs single-threaded SIMD (the threaded build needs workers that do not start there), and
// it lacks kernels training needs; the project registers its own (wasm-kernels/).
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerWasmTrainingKernels } from './wasm-kernels/register';

let ready: Promise<void> | undefined;

export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

export function setupWasmBackend(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // The package would fetch its .wasm files relative to a script URL; point it at the files on disk.
      // Emscripten reads plain filesystem paths with fs under Node (fetch() cannot read file: URLs).
      wasm.setWasmPaths(wasmDistDir() + '/');
      wasm.setThreadsCount?.(1);
      registerWasmTrainingKernels();
    })();
  }
  return ready;
}

export async function useWasmBackend(): Promise<void> {
  await setupWasmBackend();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
  await tf.ready();
}
