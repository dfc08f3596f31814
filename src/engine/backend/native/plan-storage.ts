// What the two compiled plans (inference and training) share around their steps: the arrays
// they reuse from call to call, and the one cache of plans per model.
import * as tf from '@tensorflow/tfjs';

/**
 * Float32 arrays kept for reuse, by length. A plan's buffers never leave it (outputs handed to
 * callers are fresh arrays), so no ownership tracking is needed here, unlike the backend's pool.
 */
export class SpareBuffers {
  private readonly byLength = new Map<number, Float32Array[]>();

  /** A buffer of `length` floats with stale contents (every step writes all of its output). */
  take(length: number): Float32Array {
    return this.byLength.get(length)?.pop() ?? new Float32Array(length);
  }

  give(buffer: Float32Array): void {
    let list = this.byLength.get(buffer.length);
    if (!list) this.byLength.set(buffer.length, (list = []));
    list.push(buffer);
  }

  clear(): void {
    this.byLength.clear();
  }
}

/** Plans run on the 'native' backend only; SEG_STUDIO_NATIVE_PLAN=0 turns them off (A/B runs). */
export function plansEnabled(): boolean {
  return tf.getBackend() === 'native' && process.env.SEG_STUDIO_NATIVE_PLAN !== '0';
}

/** The plan compiled for `model` once (null: the model is not covered, also remembered). */
export function cachedPlan<P>(cache: WeakMap<tf.LayersModel, P | null>, model: tf.LayersModel, compile: (m: tf.LayersModel) => P | null): P | null {
  let plan = cache.get(model);
  if (plan === undefined) {
    plan = compile(model);
    cache.set(model, plan);
  }
  return plan;
}
