// The compiled training plan (native/training-plan.ts) must compute what tfjs computes for
// model.apply(x, {training: true}) + BCE + Dice: the loss parts, the gradient of every trainable
// weight, and the batch norms' moving statistics, on both studio models; a full step through
// trainStep must move the weights as tfjs' path does, keep tensor memory flat, and models the
// plan does not cover must still train (tfjs' gradients).
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { NativeTrainingPlan, trainingPlanFor } from '../src/engine/backend/native';
import { buildModel } from '../src/engine/models/build-model';
import { randomizeBatchNorms } from './helpers/batch-norms';
import { lossParts } from '../src/engine/train/loss-parts';
import { readLayersModel, writeLayersModel } from '../src/engine/train/checkpoint';
import { createAdam } from '../src/engine/train/optimizer';
import { trainStep } from '../src/engine/train/train-step';

const reg = await registerNativeBackend();

/** max |a − b| relative to max |b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-12);
}

function movingStats(model: tf.LayersModel): Float32Array[] {
  return model.layers
    .filter((l) => l.getClassName() === 'BatchNormalization')
    .flatMap((l) => l.getWeights().slice(2).map((w) => w.dataSync() as Float32Array));
}

function batch(n: number, size: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const x = tf.randomUniform([n, size, size, 3], -1, 1, 'float32', seed) as tf.Tensor4D;
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([n, size, size, 1], 0, 1, 'float32', seed + 1), 0.6), 'float32')) as tf.Tensor4D;
  return { x, y };
}

describe.runIf(reg.ok)('native training plan', () => {
  beforeAll(async () => {
    await tf.setBackend('native');
  });
  afterAll(() => {
    delete process.env.SEG_STUDIO_NATIVE_PLAN;
  });

  for (const [model, base, size] of [['unet', 8, 32], ['resnet34_unet', 64, 64]] as const) {
    it(`${model}: loss parts, every weight gradient and the moving statistics match tfjs' training path`, () => {
      const reference = buildModel({ model, base, size, seed: 7 });
      const planned = buildModel({ model, base, size, seed: 7 });
      randomizeBatchNorms(reference, 30);
      randomizeBatchNorms(planned, 30);
      const { x, y } = batch(2, size, 40);

      const vars = reference.trainableWeights.map((w) => w.read() as tf.Variable);
      let refParts: number[] = [];
      const { grads } = tf.variableGrads(() => {
        const p = lossParts(y, reference.apply(x, { training: true }) as tf.Tensor);
        refParts = [p.bce.dataSync()[0]!, p.diceLoss.dataSync()[0]!, p.dice.dataSync()[0]!];
        return tf.add(p.bce, p.diceLoss) as tf.Scalar;
      }, vars);

      const plan = NativeTrainingPlan.compile(planned);
      expect(plan).not.toBeNull();
      const r = plan!.step(x, y);
      expect(r.bce).toBeCloseTo(refParts[0]!, 5);
      expect(r.diceLoss).toBeCloseTo(refParts[1]!, 5);
      expect(r.dice).toBeCloseTo(refParts[2]!, 6);

      expect(r.gradients.map((g) => g.shape)).toEqual(vars.map((v) => v.shape));
      const worst = r.gradients.map((g, i) => ({ name: vars[i]!.name, d: relDiff(g.values, grads[vars[i]!.name]!.dataSync()) }));
      // Per weight: max |plan − tfjs| ≤ 2e-3·max |tfjs| (float32 sums in other orders), plus a
      // floor of 1e-6 of the largest gradient for weights whose gradient is zero in exact
      // arithmetic (the bias of a transposed convolution feeding a training-mode batch norm).
      const refs = vars.map((v) => grads[v.name]!.dataSync());
      const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const floor = 1e-6 * Math.max(...refs.map(maxAbs));
      r.gradients.forEach((g, i) => {
        let d = 0;
        for (let k = 0; k < refs[i]!.length; k++) d = Math.max(d, Math.abs(g.values[k]! - refs[i]![k]!));
        expect(d, vars[i]!.name).toBeLessThanOrEqual(2e-3 * maxAbs(refs[i]!) + floor);
      });

      const refStats = movingStats(reference), planStats = movingStats(planned);
      planStats.forEach((s, i) => expect(relDiff(s, refStats[i]!)).toBeLessThan(1e-5));

      // A second step on the reused buffers gives the same gradients for the same weights.
      const first = r.gradients.map((g) => g.values.slice());
      const again = plan!.step(x, y);
      again.gradients.forEach((g, i) => expect(relDiff(g.values, first[i]!)).toBeLessThan(1e-5));

      tf.dispose([x, y, ...Object.values(grads)]);
      reference.dispose();
      planned.dispose();
    });
  }

  it('trainStep with the plan moves the weights as tfjs does and keeps tensor memory flat', () => {
    const viaPlan = buildModel({ model: 'unet', base: 4, size: 32, seed: 11 });
    const viaTfjs = buildModel({ model: 'unet', base: 4, size: 32, seed: 11 });
    const optPlan = createAdam(1e-3), optTfjs = createAdam(1e-3);
    const { x, y } = batch(2, 32, 50);
    expect(trainingPlanFor(viaPlan)).not.toBeNull();
    let memory: tf.MemoryInfo | undefined;
    const losses: number[][] = [[], []];
    for (let step = 0; step < 4; step++) {
      const a = trainStep(viaPlan, optPlan, x, y);
      process.env.SEG_STUDIO_NATIVE_PLAN = '0';
      const b = trainStep(viaTfjs, optTfjs, x, y);
      delete process.env.SEG_STUDIO_NATIVE_PLAN;
      losses[0]!.push(a.loss.dataSync()[0]!);
      losses[1]!.push(b.loss.dataSync()[0]!);
      tf.dispose([a.loss, a.parts, b.loss, b.parts]);
      if (step === 1) memory = tf.memory();
    }
    expect(tf.memory().numTensors).toBe(memory!.numTensors);
    expect(tf.memory().numBytes).toBe(memory!.numBytes);
    // The loss falls on a repeated batch, identically on both paths.
    expect(losses[0]![3]!).toBeLessThan(losses[0]![0]!);
    losses[0]!.forEach((l, i) => expect(l).toBeCloseTo(losses[1]![i]!, 4));
    const wa = viaPlan.getWeights(), wb = viaTfjs.getWeights();
    // Adam's first steps move every weight by ~lr whatever the gradient's size: compare in lr units.
    wa.forEach((w, i) => {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(w, wb[i]!))).dataSync()[0]!);
      expect(d, viaPlan.weights[i]!.name).toBeLessThan(2e-4);
    });
    tf.dispose([x, y]);
    optPlan.dispose();
    optTfjs.dispose();
    viaPlan.dispose();
    viaTfjs.dispose();
  });

  it('a model read back from a checkpoint folder (a resumed run) gets a plan with the same gradients', async () => {
    const m = buildModel({ model: 'unet', base: 4, size: 32, seed: 14 });
    const dir = mkdtempSync(join(tmpdir(), 'seg-plan-'));
    try {
      await writeLayersModel(dir, m);
      const loaded = await readLayersModel(dir);
      const a = NativeTrainingPlan.compile(m), b = NativeTrainingPlan.compile(loaded);
      expect(b).not.toBeNull();
      const { x, y } = batch(2, 32, 80);
      const ga = a!.step(x, y).gradients.map((g) => g.values.slice());
      const gb = b!.step(x, y).gradients;
      expect(gb).toHaveLength(ga.length);
      gb.forEach((g, i) => expect(relDiff(g.values, ga[i]!)).toBeLessThan(1e-5));
      tf.dispose([x, y]);
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      m.dispose();
    }
  });

  it('a mask of the wrong shape is a clear error', () => {
    const m = buildModel({ model: 'unet', base: 4, size: 32, seed: 12 });
    const plan = NativeTrainingPlan.compile(m)!;
    const { x } = batch(2, 32, 60);
    const y = tf.zeros([2, 16, 16, 1]);
    expect(() => plan.step(x, y)).toThrow(/outputs \[2,32,32,1\] but the masks are \[2,16,16,1\]/);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('a model with a layer it does not cover gets no plan and still trains through tfjs', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const h = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const up = tf.layers.upSampling2d({ size: [2, 2] }).apply(h) as tf.SymbolicTensor;
    const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(up) as tf.SymbolicTensor;
    const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(pooled) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    expect(NativeTrainingPlan.compile(m)).toBeNull();
    expect(trainingPlanFor(m)).toBeNull();
    const opt = createAdam(1e-2);
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 70) as tf.Tensor4D;
    const y = tf.ones([2, 8, 8, 1]) as tf.Tensor4D;
    const before = m.getWeights()[0]!.dataSync().slice();
    const r = trainStep(m, opt, x, y);
    expect(Number.isFinite(r.loss.dataSync()[0])).toBe(true);
    expect(relDiff(m.getWeights()[0]!.dataSync(), before)).toBeGreaterThan(0);
    tf.dispose([x, y, r.loss, r.parts]);
    opt.dispose();
    m.dispose();
  });

  it('frozen weights mean no plan (the plan would compute gradients tfjs does not)', () => {
    const m = buildModel({ model: 'unet', base: 4, size: 32, seed: 13 });
    m.layers.find((l) => l.getClassName() === 'Conv2D')!.trainable = false;
    expect(NativeTrainingPlan.compile(m)).toBeNull();
    m.dispose();
  });
});
