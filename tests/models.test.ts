// The architectures match the PyTorch reference: exact trainable parameter counts at base 64,
// output shapes, and seeded initialisation.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel, countParams } from '../src/engine/models/build-model';

describe('models', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('UNet base 64 has exactly 31,037,633 trainable parameters (PyTorch reference)', () => {
    // Parameter counts do not depend on the input size; a small size builds faster.
    const m = buildModel({ model: 'unet', base: 64, size: 64 });
    expect(countParams(m).trainableParams).toBe(31_037_633);
    m.dispose();
  });

  it('ResNet34-UNet base 64 has exactly 48,194,497 trainable parameters (PyTorch reference)', () => {
    const m = buildModel({ model: 'resnet34_unet', base: 64, size: 64 });
    expect(countParams(m).trainableParams).toBe(48_194_497);
    // BasicBlock counts: [3,4,6,3] + 1 bottleneck block → 17 blocks, each with 2 BN.
    const bnLayers = m.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    // stem 1 + 17 blocks × 2 + 4 projections + 4 decoder DoubleConvs × 2 + 2 in the head.
    expect(bnLayers).toBe(1 + 17 * 2 + 4 + 4 * 2 + 2);
    m.dispose();
  });

  it('outputs one sigmoid channel at the input resolution', () => {
    for (const model of ['unet', 'resnet34_unet'] as const) {
      const m = buildModel({ model, base: 4, size: 64, seed: 1 });
      const y = m.predict(tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 3)) as tf.Tensor;
      expect(y.shape).toEqual([2, 64, 64, 1]);
      const v = y.dataSync();
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      tf.dispose([y]);
      m.dispose();
    }
  });

  it('the same seed gives identical weights, another seed different ones', () => {
    const a = buildModel({ model: 'unet', base: 4, size: 32, seed: 7 }).getWeights();
    const b = buildModel({ model: 'unet', base: 4, size: 32, seed: 7 }).getWeights();
    const c = buildModel({ model: 'unet', base: 4, size: 32, seed: 8 }).getWeights();
    expect(Array.from(a[0]!.dataSync())).toEqual(Array.from(b[0]!.dataSync()));
    expect(Array.from(a[0]!.dataSync())).not.toEqual(Array.from(c[0]!.dataSync()));
  });

  it('refuses input sizes the architecture cannot halve cleanly', () => {
    expect(() => buildModel({ model: 'unet', base: 4, size: 40 })).toThrow(/multiple of 16/);
    expect(() => buildModel({ model: 'resnet34_unet', base: 4, size: 96 })).toThrow(/multiple of 64/);
  });
});
