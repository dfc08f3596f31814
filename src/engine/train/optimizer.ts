// Adam with PyTorch's defaults and a learning rate that changes between epochs while the moment
// estimates carry on.
//
// tfjs's AdamOptimizer reads `this.learningRate` on every applyGradients call but declares it
// protected and offers no setter. Re-creating the optimizer would restart m, v and the bias
// correction, so instead a subclass exposes the field: protected members are reachable from a
// subclass, which keeps this type-checked without casts, and everything else (moments,
// getWeights/setWeights, serialisation under the class name 'Adam') is inherited unchanged.
//
// Checkpoint resume: getWeights() yields [iteration count, m₁…mₖ, v₁…vₖ] and setWeights() on a
// fresh optimizer restores them, recomputing the bias-correction powers β^(t+1) from the count.
// The moments are matched to variables by position, so gradients must be passed in the same
// variable order after a resume (e.g. always model.trainableWeights order).
//
// On the 'native' backend applyGradients runs one fused addon call for all variables
// (native-adam.ts) instead of tfjs-core's ~13 ops per variable; the state it updates is the
// inherited one, so the above holds unchanged on every backend.
import * as tf from '@tensorflow/tfjs';

import { nativeAdamStep, type AdamState } from './native-adam';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
/** PyTorch's Adam eps. tfjs would default to the backend epsilon (1e-7 on float32 backends). */
export const ADAM_EPSILON = 1e-8;

/** What getWeights() returns and setWeights() takes: {name, tensor} pairs (tfjs does not export the type). */
export type OptimizerState = Parameters<tf.AdamOptimizer['setWeights']>[0];

export class ScheduledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON);
  }

  /** Takes effect from the next applyGradients; moments and step count are untouched. */
  setLearningRate(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`learning rate must be a finite number ≥ 0 (got ${lr})`);
    this.learningRate = lr;
  }

  getLearningRate(): number {
    return this.learningRate;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    // tfjs declares the moment/β-power fields private; they are the runtime properties its own
    // applyGradients and get/setWeights use, so the fused step reads and writes exactly those.
    const state = this as unknown as AdamState;
    const hyper = { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
    if (nativeAdamStep(state, hyper, variableGradients)) this.incrementIterations();
    else super.applyGradients(variableGradients);
  }
}

export function createAdam(learningRate: number): ScheduledAdam {
  return new ScheduledAdam(learningRate);
}

export function setLearningRate(optimizer: ScheduledAdam, lr: number): void {
  optimizer.setLearningRate(lr);
}

export function getLearningRate(optimizer: ScheduledAdam): number {
  return optimizer.getLearningRate();
}

/**
 * A fresh optimizer carrying a checkpoint's state (from getWeights()). The optimizer's variables
 * hold their own reference to the data, so the caller may dispose `state` afterwards.
 */
export async function restoreAdam(learningRate: number, state: OptimizerState): Promise<ScheduledAdam> {
  const optimizer = createAdam(learningRate);
  await optimizer.setWeights(state);
  return optimizer;
}
