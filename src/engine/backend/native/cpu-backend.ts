// The storage side of the 'native' backend: the reference CPU backend plus reuse of float32
// output arrays (buffer-pool.ts). Reads out of the backend mark storage as escaped;
// deleting a tensor's data hands owned storage back to the pool.
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendValues, DataId } from '@tensorflow/tfjs';

import { Float32BufferPool } from './buffer-pool';

/** SEG_STUDIO_NATIVE_POOL_MB: storage kept for reuse (default 1024 MB; 0 turns reuse off). */
export function poolCapBytes(): number {
  const mb = Number.parseInt(process.env.SEG_STUDIO_NATIVE_POOL_MB ?? '', 10);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 1024) * 1024 * 1024;
}

export class NativeCpuBackend extends MathBackendCPU {
  readonly buffers = new Float32BufferPool(poolCapBytes());

  override readSync(dataId: DataId): BackendValues {
    this.buffers.escape(this.data.get(dataId)?.values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const deleted = super.disposeData(dataId, force);
    if (deleted && values !== undefined && !this.data.has(dataId)) this.buffers.release(values);
    return deleted;
  }

  override dispose(): void {
    this.buffers.clear();
    super.dispose();
  }
}

/** Storage for a kernel output: pooled on the native backend, a fresh array elsewhere. */
export function takeFloat32(backend: MathBackendCPU, length: number, zeroed = false): Float32Array {
  return backend instanceof NativeCpuBackend ? backend.buffers.take(length, zeroed) : new Float32Array(length);
}

/** Inputs of a reference kernel may be kept as views: their storage must never be reused. */
export function escapeInputs(backend: MathBackendCPU, inputs: unknown): void {
  if (!(backend instanceof NativeCpuBackend)) return;
  const list = Array.isArray(inputs) ? inputs : Object.values(inputs as Record<string, unknown>);
  for (const t of list) {
    if (t && typeof t === 'object' && 'dataId' in t) backend.buffers.escape(backend.data.get((t as { dataId: DataId }).dataId)?.values);
  }
}

/** Drops the storage kept for reuse (between models of different shapes, after a run). */
export function releasePooledStorage(): void {
  const backend = tf.findBackend('native');
  if (backend instanceof NativeCpuBackend) backend.buffers.clear();
}
