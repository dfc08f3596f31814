// The running variance follows PyTorch's unbiased update on the tfjs path too (backends other
// than native), computed here by hand from the input, not by the studio's code.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { installUnbiasedMovingVariance } from '../src/engine/models/batch-norm-moving-variance';

describe('batch norm moving variance (tfjs path)', () => {
  it('moves toward the unbiased batch variance, as torch.nn.BatchNorm2d does', async () => {
    await tf.setBackend('cpu');
    installUnbiasedMovingVariance();
    const layer = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    // 2 images, 2×3 pixels, 2 channels: n = 12 values per channel.
    const values = Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 2) * 5);
    const x = tf.tensor4d(values, [2, 2, 3, 2]);
    layer.apply(x, { training: true });
    const moving = (layer.getWeights()[3]!.dataSync() as Float32Array);
    for (let c = 0; c < 2; c++) {
      const v = values.filter((_, i) => i % 2 === c);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const unbiased = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
      expect(moving[c]).toBeCloseTo(0.9 * 1 + 0.1 * unbiased, 5);
    }
    x.dispose();
  });
});
