// The compiled inference plan (native/inference-plan.ts) must give what tfjs-layers'
// model.predict gives, for both studio models, with non-trivial batch-norm statistics, after
// weight changes, and without leaking tensors; models it does not cover get no plan.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { NativeInferencePlan, predictFast } from '../src/engine/backend/native';
import { buildModel } from '../src/engine/models/build-model';
import { randomizeBatchNorms } from './helpers/batch-norms';
import { maxAbsDiff } from './helpers/array-diff';

const reg = await registerNativeBackend();

describe.runIf(reg.ok)('native inference plan', () => {
  beforeAll(async () => {
    await tf.setBackend('native');
  });

  for (const [model, base, size] of [['unet', 8, 64], ['resnet34_unet', 64, 64]] as const) {
    it(`${model}: same probabilities as model.predict (folded conv/BN/ReLU, transposed conv, pooling, padding, concat, residual add)`, () => {
      const m = buildModel({ model, base, size, seed: 3 });
      randomizeBatchNorms(m, 10);
      const plan = NativeInferencePlan.compile(m);
      expect(plan).not.toBeNull();
      const x = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 4);
      const ref = (m.predict(x) as tf.Tensor).dataSync();
      const out = plan!.run(x);
      expect(out.shape).toEqual([2, size, size, 1]);
      expect(maxAbsDiff(out.dataSync(), ref)).toBeLessThan(1e-5);
      // A second call reuses planned buffers and must give the same result.
      const again = plan!.run(x);
      expect(maxAbsDiff(again.dataSync(), ref)).toBeLessThan(1e-5);
      tf.dispose([x, out, again]);
      m.dispose();
    });
  }

  it('reads the weights on every call (training keeps changing them) and leaks no tensors', () => {
    const m = buildModel({ model: 'unet', base: 4, size: 32, seed: 5 });
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 6);
    const first = tf.tidy(() => predictFast(m, x).dataSync().slice());
    randomizeBatchNorms(m, 20);
    const kernel = m.layers.find((l) => l.getClassName() === 'Conv2D')!;
    const w = kernel.getWeights();
    const scaled = w.map((t) => tf.mul(t, 1.7));
    kernel.setWeights(scaled);
    tf.dispose([...scaled]);
    const before = tf.memory().numTensors;
    const after = tf.tidy(() => predictFast(m, x).dataSync().slice());
    expect(tf.memory().numTensors).toBe(before);
    const ref = (m.predict(x) as tf.Tensor).dataSync();
    expect(maxAbsDiff(after, ref)).toBeLessThan(1e-5);
    expect(maxAbsDiff(after, first)).toBeGreaterThan(1e-3);
    tf.dispose(x);
    m.dispose();
  });

  it('a model with a layer it does not cover gets no plan, and predictFast falls back to predict', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const y = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const z = tf.layers.upSampling2d({ size: [2, 2] }).apply(y) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: z });
    expect(NativeInferencePlan.compile(m)).toBeNull();
    const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 7);
    const got = predictFast(m, x);
    expect(got.shape).toEqual([1, 16, 16, 2]);
    expect(maxAbsDiff(got.dataSync(), (m.predict(x) as tf.Tensor).dataSync())).toBe(0);
    tf.dispose([x, got]);
    m.dispose();
  });
});
