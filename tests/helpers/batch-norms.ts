// Batch-norm layers away from their initial state, for tests where gamma = 1, beta = 0, mean 0
// and variance 1 would hide a mistake (a swapped or skipped statistic changes nothing then).
import * as tf from '@tensorflow/tfjs';

/** Gamma and beta in [−0.5, 1.5), moving mean likewise, moving variance in [0.5, 2), seeded. */
export function randomizeBatchNorms(model: tf.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // [gamma, beta, movingMean, movingVariance]
    const next = layer.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, 'float32', s++) : tf.randomUniform(w.shape, -0.5, 1.5, 'float32', s++)));
    layer.setWeights(next);
    tf.dispose(next);
  }
}
