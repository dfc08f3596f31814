// Click-to-segment models are the studio's models with 6 input channels: only the first
// convolution widens (parameter counts), and both compiled native plans (inference, used for
// every click; training, used for every step) accept the wider input and agree with tfjs.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { NativeInferencePlan } from '../src/engine/backend/native';
import { NativeTrainingPlan } from '../src/engine/backend/native';
import { buildModel, countParams } from '../src/engine/models/build-model';
import { lossParts } from '../src/engine/train/loss-parts';
import { randomizeBatchNorms } from './helpers/batch-norms';
import { predictImages } from '../src/engine/infer/predict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maxAbsDiff } from './helpers/array-diff';

const reg = await registerNativeBackend();

describe('6-channel models', () => {
  it('widen only the first convolution: parameter counts grow by 3·k²·base, 3 channels unchanged', () => {
    const count = (model: 'unet' | 'resnet34_unet', inChannels?: number) =>
      countParams(buildModel({ model, base: 64, size: 256, randomWeights: false, inChannels })).trainableParams;
    expect(count('unet')).toBe(31_037_633);
    expect(count('unet', 6)).toBe(31_037_633 + 3 * 3 * 3 * 64);
    expect(count('resnet34_unet')).toBe(48_194_497);
    expect(count('resnet34_unet', 6)).toBe(48_194_497 + 3 * 7 * 7 * 64);
    expect(buildModel({ model: 'unet', base: 4, size: 32, inChannels: 6 }).inputs[0]!.shape).toEqual([null, 32, 32, 6]);
  });

  it('predict refuses a click model by name instead of failing on a tensor shape, and writes nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'seg-click-predict-'));
    const model = buildModel({ model: 'unet', base: 4, size: 32, inChannels: 6 });
    const images = [join(import.meta.dirname, 'fixtures', 'oxford-mini', 'images', 'american_bulldog_10.jpg')];
    await expect(predictImages({ model, size: 32, images, outDir: out })).rejects.toThrow(/click-to-segment model \(6 input channels/);
    expect(readdirSync(out)).toEqual([]);
    model.dispose();
  });
});

describe.runIf(reg.ok)('6-channel models on the native plans', () => {
  beforeAll(async () => {
    await tf.setBackend('native');
  });

  for (const [model, base, size] of [['unet', 4, 32], ['resnet34_unet', 8, 64]] as const) {
    it(`${model}: the inference plan compiles and matches model.predict`, () => {
      const m = buildModel({ model, base, size, seed: 3, inChannels: 6 });
      randomizeBatchNorms(m, 10);
      const plan = NativeInferencePlan.compile(m);
      expect(plan).not.toBeNull();
      const x = tf.randomUniform([2, size, size, 6], 0, 1, 'float32', 4);
      const ref = (m.predict(x) as tf.Tensor).dataSync();
      const out = plan!.run(x);
      expect(out.shape).toEqual([2, size, size, 1]);
      expect(maxAbsDiff(out.dataSync(), ref)).toBeLessThan(1e-5);
      tf.dispose([x, out]);
      m.dispose();
    });
  }

  it('unet: the training plan compiles and its first-conv gradient matches tfjs', () => {
    const reference = buildModel({ model: 'unet', base: 4, size: 32, seed: 9, inChannels: 6 });
    const planned = buildModel({ model: 'unet', base: 4, size: 32, seed: 9, inChannels: 6 });
    const x = tf.randomUniform([2, 32, 32, 6], -1, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 6), 0.6), 'float32')) as tf.Tensor4D;
    const vars = reference.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const p = lossParts(y, reference.apply(x, { training: true }) as tf.Tensor);
      return tf.add(p.bce, p.diceLoss) as tf.Scalar;
    }, vars);
    const plan = NativeTrainingPlan.compile(planned);
    expect(plan).not.toBeNull();
    const r = plan!.step(x, y);
    expect(r.gradients[0]!.shape).toEqual([3, 3, 6, 4]);
    r.gradients.forEach((g, i) => {
      const ref = grads[vars[i]!.name]!.dataSync();
      const scale = Array.from(ref).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxAbsDiff(g.values, ref), vars[i]!.name).toBeLessThanOrEqual(2e-3 * scale + 1e-7);
    });
    tf.dispose([x, y, ...Object.values(grads)]);
    reference.dispose();
    planned.dispose();
  });
});
