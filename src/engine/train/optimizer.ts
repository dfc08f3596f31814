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
//
// Decoupled weight decay (AdamW, weight-decay.ts) is applied by both paths: inside the fused
// step, or as one multiply per decayed variable before tfjs-core's update. It has no state of its
// own, so checkpoints are the same with or without it; with weightDecay 0 no extra op runs.
import * as tf from '@tensorflow/tfjs';

import { nativeAdamStep, type AdamState } from './native-adam';
import { decayFactor, isDecayed } from './weight-decay';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
/** PyTorch's Adam eps. tfjs would default to the backend epsilon (1e-7 on float32 backends). */
export const ADAM_EPSILON = 1e-8;

/** What getWeights() returns and setWeights() takes: {name, tensor} pairs (tfjs does not export the type). */
export type OptimizerState = Parameters<tf.AdamOptimizer['setWeights']>[0];

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export interface AdamOptions {
  /** Decoupled weight decay as torch.optim.AdamW (default 0: plain Adam). */
  weightDecay?: number;
}

export class ScheduledAdam extends tf.AdamOptimizer {
  readonly weightDecay: number;

  constructor(learningRate: number, options: AdamOptions = {}) {
    super(learningRate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON);
    const wd = options.weightDecay ?? 0;
    if (!Number.isFinite(wd) || wd < 0) throw new Error(`weight decay must be a finite number ≥ 0 (got ${wd})`);
    this.weightDecay = wd;
  }

  /** Takes effect from the next applyGradients; moments and step count are untouched. */
  setLearningRate(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`learning rate must be a finite number ≥ 0 (got ${lr})`);
    this.learningRate = lr;
  }

  getLearningRate(): number {
    return this.learningRate;
  }

  override applyGradients(variableGradients: Gradients): void {
    // tfjs declares the moment/β-power fields private; they are the runtime properties its own
    // applyGradients and get/setWeights use, so the fused step reads and writes exactly those.
    const state = this as unknown as AdamState;
    const hyper = { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
    if (nativeAdamStep(state, hyper, variableGradients)) this.incrementIterations();
    else {
      this.decayWeights(variableGradients);
      super.applyGradients(variableGradients);
    }
  }

  /**
   * torch.optim.AdamW's `param.mul_(1 − lr·wd)` ahead of the update, on the variables that get a
   * gradient this step (as tfjs-core's update, which skips the others). The Adam update does not
   * read the weight, so decaying first and then adding the step is exactly torch's order.
   */
  private decayWeights(variableGradients: Gradients): void {
    if (this.weightDecay === 0) return;
    const named: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((e) => [e.name, e.tensor])
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    const keep = decayFactor(this.learningRate, this.weightDecay);
    tf.tidy(() => {
      for (const [name, grad] of named) {
        const variable = registered[name];
        if (grad == null || !variable || !isDecayed(variable.shape)) continue;
        variable.assign(tf.mul(variable, tf.scalar(keep)));
      }
    });
  }
}

export function createAdam(learningRate: number, options: AdamOptions = {}): ScheduledAdam {
  return new ScheduledAdam(learningRate, options);
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
export async function restoreAdam(learningRate: number, state: OptimizerState, options: AdamOptions = {}): Promise<ScheduledAdam> {
  const optimizer = createAdam(learningRate, options);
  await optimizer.setWeights(state);
  return optimizer;
}
