// weightDecay 0 and loss weights 1 and 1 (the run config's defaults) leave training bit-identical
// to what it was before either existed. Each check compares, bit for bit, the studio's path at
// those settings with a computation that does not go through the new code: a copy of the
// array loss as it was, tfjs' own gradient of bce + diceLoss, tfjs-core's own Adam, and the
// native addon called as it was called before (eight hyper-parameters, no decay factors).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadNativeAddon } from '../src/engine/backend/native/addon';
import { registerNativeBackend } from '../src/engine/backend/native';
import { buildModel } from '../src/engine/models/build-model';
import { bceDiceWithGradient } from '../src/engine/train/bce-dice-arrays';
import { BCE_CLIP, DICE_EPS, bceLoss, diceLoss, lossWeightsOf, REFERENCE_LOSS_WEIGHTS } from '../src/engine/train/losses';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, createAdam, setLearningRate } from '../src/engine/train/optimizer';
import { trainStep } from '../src/engine/train/train-step';
import { Rng } from '../src/engine/util/rng';
import { parseRunConfig } from '../src/shared/run-config';
import { GradientRecorder } from './helpers/gradient-recorder';

const skipNative = process.env.SEG_STUDIO_SKIP_NATIVE === '1';
const reg = skipNative ? { ok: false, reason: 'SEG_STUDIO_SKIP_NATIVE=1' } : await registerNativeBackend();
const native = reg.ok;
const LRS = [1e-2, 1e-2, 3e-3];

function randArray(n: number, rng: Rng, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Index of the first element that differs bitwise (NaN ≠ NaN never happens here), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** d(bce + diceLoss)/dp exactly as src/engine/train/bce-dice-arrays.ts computed it before loss weights. */
function gradientBefore(p: Float32Array, y: Float32Array, images: number): Float32Array {
  const n = p.length, pixels = n / images, hi = 1 - BCE_CLIP;
  const dp = new Float32Array(n);
  for (let b = 0; b < images; b++) {
    const start = b * pixels, end = start + pixels;
    let inter = 0, sumY = 0, sumP = 0;
    for (let i = start; i < end; i++) {
      inter += y[i]! * p[i]!;
      sumY += y[i]!;
      sumP += p[i]!;
    }
    const den = sumY + sumP + DICE_EPS, num = 2 * inter + DICE_EPS;
    const a = -2 / (images * den), c = num / (images * den * den);
    for (let i = start; i < end; i++) {
      const pi = p[i]!, yi = y[i]!;
      const bceGrad = pi >= BCE_CLIP && pi <= hi ? -(yi / pi - (1 - yi) / (1 - pi)) / n : 0;
      dp[i] = bceGrad + a * yi + c;
    }
  }
  return dp;
}

/** Three variables (a kernel, a bias, one above the addon's per-thread grain) and three steps of gradients. */
function adamProblem(tag: string) {
  const rng = new Rng(5);
  const shapes = [[3, 3, 4, 8], [8], [130, 300]];
  const vars = shapes.map((s, k) => tf.variable(tf.tensor(randArray(tf.util.sizeFromShape(s), rng, -1, 1), s), true, `${tag}_w${k}`));
  const grads = LRS.map(() => shapes.map((s, k) => randArray(tf.util.sizeFromShape(s), rng, -(10 ** -k), 10 ** -k)));
  const step = (opt: tf.Optimizer, s: number) => {
    const named = vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(grads[s]![k]!, v.shape) }));
    opt.applyGradients(named);
    tf.dispose(named.map((n) => n.tensor));
  };
  return { vars, grads, step };
}

afterAll(() => {
  delete process.env.SEG_STUDIO_NATIVE_ADAM;
  delete process.env.SEG_STUDIO_NATIVE_PLAN;
});

describe('default weightDecay 0 and loss weights 1/1 change no bit of training', () => {
  beforeAll(async () => {
    await tf.setBackend(native ? 'native' : 'cpu');
  });

  it('the run config defaults are the reference recipe', () => {
    const c = parseRunConfig({ data: 'sample' });
    expect(c.weightDecay).toBe(0);
    expect(lossWeightsOf(c)).toEqual(REFERENCE_LOSS_WEIGHTS);
    expect(REFERENCE_LOSS_WEIGHTS).toEqual({ bce: 1, dice: 1 });
  });

  it('array loss (native plan): the gradient is the one computed before loss weights, bit for bit', () => {
    const rng = new Rng(9);
    const images = 3, pixels = 400;
    const p = randArray(images * pixels, rng, 0, 1);
    // Saturated and clipped probabilities too (the clip passes no gradient).
    p.set([0, 1, BCE_CLIP / 2, 1 - BCE_CLIP / 4], 10);
    const y = Float32Array.from(p, () => (rng.uniform(0, 1) < 0.4 ? 1 : 0));
    const want = gradientBefore(p, y, images);
    for (const w of [undefined, { bce: 1, dice: 1 }]) {
      const dp = new Float32Array(p.length);
      bceDiceWithGradient(p, y, images, dp, w);
      expect(firstDifference(dp, want), `weights ${JSON.stringify(w)}`).toBe(-1);
    }
    // Control: another weight changes the gradient (so the comparison can fail).
    const other = new Float32Array(p.length);
    bceDiceWithGradient(p, y, images, other, { bce: 1, dice: 1.001 });
    expect(firstDifference(other, want)).not.toBe(-1);
  });

  it(`tensor loss (tfjs gradients, on ${native ? 'native without the plan' : 'cpu'}): trainStep's gradients are tfjs' own of bce + diceLoss, bit for bit`, () => {
    if (native) process.env.SEG_STUDIO_NATIVE_PLAN = '0';
    const model = buildModel({ model: 'unet', base: 4, size: 32, seed: 3 });
    const rng = new Rng(2);
    const x = tf.tensor4d(randArray(2 * 32 * 32 * 3, rng, -2, 2), [2, 32, 32, 3]);
    const y = tf.tensor4d(Float32Array.from({ length: 2 * 32 * 32 }, () => (rng.uniform(0, 1) < 0.4 ? 1 : 0)), [2, 32, 32, 1]);
    const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const pred = model.apply(x, { training: true }) as tf.Tensor;
      return tf.add(bceLoss(y, pred), diceLoss(y, pred)) as tf.Scalar;
    }, trainable);
    const wantLoss = value.dataSync()[0]!;
    const want = new Map(Object.entries(grads).map(([k, t]) => [k, (t.dataSync() as Float32Array).slice()]));
    tf.dispose([value, ...Object.values(grads)]);
    for (const w of [undefined, { bce: 1, dice: 1 }]) {
      const recorder = new GradientRecorder();
      const step = trainStep(model, recorder, x, y, w);
      expect(Object.is(step.loss.dataSync()[0], wantLoss), `loss with weights ${JSON.stringify(w)}`).toBe(true);
      tf.dispose([step.loss, step.parts]);
      expect([...recorder.grads.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [name, g] of recorder.grads) expect(firstDifference(g, want.get(name)!), `${name} with weights ${JSON.stringify(w)}`).toBe(-1);
      recorder.dispose();
    }
    tf.dispose([x, y]);
    model.dispose();
    delete process.env.SEG_STUDIO_NATIVE_PLAN;
  });

  for (const backend of native ? ['cpu', 'native'] : ['cpu']) {
    it(`tfjs-core update on ${backend}${backend === 'native' ? ' (fused step off)' : ''}: weightDecay 0 is tfjs-core's Adam, bit for bit`, async () => {
      await tf.setBackend(backend);
      if (backend === 'native') process.env.SEG_STUDIO_NATIVE_ADAM = '0';
      const a = adamProblem(`core_${backend}_a`), b = adamProblem(`core_${backend}_b`);
      const reference = tf.train.adam(LRS[0]!, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON);
      const studio = createAdam(LRS[0]!, { weightDecay: 0 });
      LRS.forEach((lr, s) => {
        (reference as unknown as { learningRate: number }).learningRate = lr;
        setLearningRate(studio, lr);
        a.step(reference, s);
        b.step(studio, s);
      });
      a.vars.forEach((v, k) => expect(firstDifference(v.dataSync(), b.vars[k]!.dataSync()), `variable ${k}`).toBe(-1));
      // Control: with decay the kernels end elsewhere.
      const c = adamProblem(`core_${backend}_c`);
      const decayed = createAdam(LRS[0]!, { weightDecay: 1e-4 });
      LRS.forEach((lr, s) => {
        setLearningRate(decayed, lr);
        c.step(decayed, s);
      });
      expect(firstDifference(c.vars[0]!.dataSync(), a.vars[0]!.dataSync())).not.toBe(-1);
      [reference, studio, decayed].forEach((o) => o.dispose());
      delete process.env.SEG_STUDIO_NATIVE_ADAM;
      tf.disposeVariables();
    });
  }

  it.runIf(native)('fused native step: weightDecay 0 is the addon called as before (8 hyper-parameters), bit for bit', async () => {
    await tf.setBackend('native');
    const load = loadNativeAddon();
    if (!load.ok) throw new Error(load.reason);
    const addon = load.addon;
    const p = adamProblem('fused_a');
    const studio = createAdam(LRS[0]!, { weightDecay: 0 });
    // The same state by hand: weights, zero moments, β powers kept in float32 as tfjs keeps them.
    const rng = new Rng(5);
    const shapes = p.vars.map((v) => v.shape);
    const w = shapes.map((s) => randArray(tf.util.sizeFromShape(s), rng, -1, 1));
    const m = w.map((x) => new Float32Array(x.length)), v = w.map((x) => new Float32Array(x.length));
    let acc1 = Math.fround(ADAM_BETA1), acc2 = Math.fround(ADAM_BETA2);
    LRS.forEach((lr, s) => {
      setLearningRate(studio, lr);
      p.step(studio, s);
      const hyper = new Float64Array([lr, ADAM_BETA1, 1 - ADAM_BETA1, ADAM_BETA2, 1 - ADAM_BETA2, ADAM_EPSILON, Math.fround(1 - acc1), Math.fround(1 - acc2)]);
      addon.adamUpdate(w, p.grads[s]!, m, v, w, m, v, hyper);
      acc1 = Math.fround(acc1 * Math.fround(ADAM_BETA1));
      acc2 = Math.fround(acc2 * Math.fround(ADAM_BETA2));
    });
    p.vars.forEach((x, k) => expect(firstDifference(x.dataSync(), w[k]!), `variable ${k}`).toBe(-1));
    // And the addon refuses a decay list of the wrong length, naming the count it expects.
    const hyper9 = new Float64Array([1e-3, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.1, 0.001, 1]);
    expect(() => addon.adamUpdate(w, p.grads[0]!, m, v, w, m, v, hyper9)).toThrow(/8 plus one weight-decay factor per variable \(11\), got 9/);
    studio.dispose();
    tf.disposeVariables();
  });
});
