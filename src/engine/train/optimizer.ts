// Adam with PyTorch's defaults (betas 0.9/0.999, eps 1e-8; tfjs's own default eps is 1e-7),
// and a learning rate that can change between epochs without losing the moment estimates.
import * as tf from '@tensorflow/tfjs';

export function createAdam(learningRate: number): tf.AdamOptimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-8) as tf.AdamOptimizer;
}

/** tfjs reads `learningRate` on every applyGradients call but declares it protected; setting it
 * in place keeps the accumulated moments (re-creating the optimizer would reset them). */
export function setLearningRate(optimizer: tf.AdamOptimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

export function getLearningRate(optimizer: tf.AdamOptimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}
