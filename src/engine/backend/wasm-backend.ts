// TensorFlow.js's WebAssembly backend under Node: the always-available fallback. Under Node it
// runs the single-threaded SIMD build (the threaded build needs Web Workers that Emscripten's
// pthreads cannot start there), and it lacks kernels training needs; the project registers
// its own (wasm-kernels/).
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerWasmTrainingKernels } from './wasm-kernels/register';

const SIMD_BINARY = 'tfjs-backend-wasm-simd.wasm';
let ready: Promise<void> | undefined;

/** The package's dist folder on disk, where its .wasm binaries live. */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

/** Whether the wasm backend can start here (its binary is on disk); never throws. */
export function wasmAvailability(): { ok: boolean; reason?: string } {
  try {
    const file = join(wasmDistDir(), SIMD_BINARY);
    return existsSync(file) ? { ok: true } : { ok: false, reason: `${file} is missing` };
  } catch (err) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm is not installed (${(err as Error).message.split('\n')[0]})` };
  }
}

export function setupWasmBackend(): Promise<void> {
  ready ??= (async () => {
    const avail = wasmAvailability();
    if (!avail.ok) throw new Error(`backend "wasm" is not available: ${avail.reason}`);
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The package would fetch its .wasm files relative to a script URL; point it at the files on
    // disk (Emscripten reads plain paths with fs under Node, while fetch() cannot read file: URLs).
    wasm.setWasmPaths(wasmDistDir() + '/');
    // Inside Electron the feature test could report threads; the threaded build still cannot start workers here.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    registerWasmTrainingKernels();
  })();
  return ready;
}

export async function useWasmBackend(): Promise<void> {
  await setupWasmBackend();
  if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error('backend "wasm" failed to initialise (see the error above)');
  await tf.ready();
}
