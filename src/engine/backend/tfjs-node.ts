// @tensorflow/tfjs-node(-gpu): optional dependencies that bind libtensorflow 2.9. Their install
// script downloads libtensorflow, so where that fails (offline machines, non-x64, no CUDA 11.2)
// they are simply absent and this loader reports why.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';

export interface TfNodeLoad {
  ok: boolean;
  /** Which package registered the 'tensorflow' backend. */
  pkg?: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';
  /** libtensorflow found a CUDA device (the GPU package runs on the CPU when it does not). */
  gpuDevice: boolean;
  reason?: string;
}

const require = createRequire(import.meta.url);
let loaded: TfNodeLoad | undefined;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** Loads the GPU package if it can, else the CPU one. Cached: a package registers its backend once per process. */
export function loadTfNode(): TfNodeLoad {
  if (loaded) return loaded;
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
    try {
      require(pkg);
    } catch (err) {
      reasons.push(`${pkg} not installed or failed to load (${firstLine(err)})`);
      continue;
    }
    let gpuDevice = false;
    try {
      // Both packages report whether libtensorflow placed ops on a GPU; only -gpu can say yes.
      const backend = tf.findBackend('tensorflow') as { isUsingGpuDevice?: boolean } | null;
      gpuDevice = pkg === '@tensorflow/tfjs-node-gpu' && Boolean(backend?.isUsingGpuDevice);
    } catch (err) {
      reasons.push(`${pkg} loaded but its backend failed to start (${firstLine(err)})`);
      continue;
    }
    loaded = { ok: true, pkg, gpuDevice };
    return loaded;
  }
  loaded = { ok: false, gpuDevice: false, reason: reasons.join('; ') };
  return loaded;
}
