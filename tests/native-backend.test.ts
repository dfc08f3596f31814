// Every kernel the native backend overrides, and the gradients built from them, must agree
// with the reference pure-JS 'cpu' backend on random inputs. Error measure: max |native - cpu|
// divided by max |cpu| of that tensor (normwise relative error), bound 1e-4.
// Without the addon this file FAILS (CI builds it) unless SEG_STUDIO_SKIP_NATIVE=1.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  nativeKernelStats,
  registerNativeBackend,
  resetNativeKernelStats,
} from '../src/engine/backend/native';
import { buildModel } from '../src/engine/models/build-model';
import { Rng } from '../src/engine/util/rng';

const skipRequested = process.env.SEG_STUDIO_SKIP_NATIVE === '1';
const reg = await registerNativeBackend();
const TOL = 1e-4;

describe.runIf(!skipRequested)('native addon', () => {
  it('is built and registers (set SEG_STUDIO_SKIP_NATIVE=1 to run the suite without it)', () => {
    expect(reg.reason ?? 'ok', 'native backend unavailable').toBe('ok');
    expect(reg.ok).toBe(true);
    expect(reg.threads).toBeGreaterThanOrEqual(1);
  });
});

interface Input {
  shape: number[];
  data: Float32Array;
}

function rand(shape: number[], seed: number, lo = -1, hi = 1): Input {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(lo, hi);
  return { shape, data };
}

type Fn = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

async function runOn(backend: string, inputs: Input[], fn: Fn): Promise<{ shape: number[]; data: Float32Array }[]> {
  await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  const out = tf.tidy(() => fn(...xs));
  const list = Array.isArray(out) ? out : [out];
  const res = await Promise.all(list.map(async (t) => ({ shape: t.shape, data: (await t.data()) as Float32Array })));
  tf.dispose([...list, ...xs]);
  return res;
}

function relErr(got: Float32Array, want: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates as a failure
    maxRef = Math.max(maxRef, Math.abs(want[i]!));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

/** Runs fn on both backends, compares every output, and checks the named kernels ran natively. */
async function expectSame(inputs: Input[], fn: Fn, kernels: string[]): Promise<void> {
  const want = await runOn('cpu', inputs, fn);
  resetNativeKernelStats();
  const got = await runOn('native', inputs, fn);
  const stats = nativeKernelStats();
  for (const k of kernels) expect(stats[k]?.native ?? 0, `kernel ${k} did not run natively`).toBeGreaterThan(0);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.shape, `output ${i} shape`).toEqual(want[i]!.shape);
    expect(relErr(g.data, want[i]!.data), `output ${i} relative error`).toBeLessThanOrEqual(TOL);
  });
}

/** Gradients of sum(f(...) * R) for a fixed random R, so every output element matters. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, weightsSeed = 99): Fn {
  return (...xs) => {
    const y = f(...xs);
    const r = tf.tensor(rand(y.shape, weightsSeed).data, y.shape);
    const g = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), r)));
    return [y, ...g(xs)];
  };
}

describe.runIf(reg.ok)('native backend matches the cpu backend', () => {
  beforeAll(async () => {
    await tf.ready();
  });

  const convCases: { name: string; x: number[]; w: number[]; s: number; pad: 'same' | 'valid' }[] = [
    { name: '3x3 stride 1 same', x: [2, 9, 9, 5], w: [3, 3, 5, 7], s: 1, pad: 'same' },
    { name: '3x3 stride 1 valid', x: [2, 9, 8, 5], w: [3, 3, 5, 7], s: 1, pad: 'valid' },
    { name: '3x3 stride 2 same', x: [2, 9, 10, 4], w: [3, 3, 4, 6], s: 2, pad: 'same' },
    { name: '3x3 stride 2 valid', x: [2, 10, 9, 4], w: [3, 3, 4, 6], s: 2, pad: 'valid' },
    { name: '7x7 stride 2 same (ResNet stem)', x: [1, 16, 16, 3], w: [7, 7, 3, 8], s: 2, pad: 'same' },
    { name: '1x1 stride 2 (projection shortcut)', x: [2, 8, 8, 6], w: [1, 1, 6, 10], s: 2, pad: 'valid' },
  ];
  for (const c of convCases) {
    it(`conv2d ${c.name}: forward and both gradients`, async () => {
      await expectSame(
        [rand(c.x, 1), rand(c.w, 2)],
        gradsOf((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad)),
        ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
      );
    });
  }

  it('conv2d with dilation 2 (forward)', async () => {
    await expectSame([rand([1, 12, 12, 4], 3), rand([3, 3, 4, 5], 4)], (x, w) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2), ['Conv2D']);
  });

  for (const activation of ['linear', 'relu', 'sigmoid', 'leakyrelu'] as const) {
    it(`fused conv2d + bias + ${activation} (inference)`, async () => {
      await expectSame([rand([2, 8, 8, 4], 5), rand([3, 3, 4, 6], 6), rand([6], 7)], (x, w, b) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation, leakyreluAlpha: 0.1 }),
        ['FusedConv2D']);
    });
  }

  it('fused conv2d + bias: gradients (x, filter, bias)', async () => {
    await expectSame(
      [rand([2, 8, 8, 4], 8), rand([3, 3, 4, 6], 9), rand([6], 10)],
      gradsOf((x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b })),
      ['FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Sum'],
    );
  });

  for (const pad of ['same', 'valid'] as const) {
    it(`conv2dTranspose k2 s2 ${pad}: forward and both gradients`, async () => {
      await expectSame(
        [rand([2, 5, 6, 8], 11), rand([2, 2, 4, 8], 12)],
        gradsOf((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 12, 4], 2, pad)),
        ['Conv2DBackpropInput', 'Conv2D', 'Conv2DBackpropFilter'],
      );
    });
  }

  it('batch norm, training mode (batch moments): forward and gradients of x, gamma, beta', async () => {
    await expectSame(
      [rand([3, 6, 5, 8], 13, -2, 3), rand([8], 14, 0.5, 1.5), rand([8], 15)],
      gradsOf((x, gamma, beta) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
      }),
      ['FusedBatchNorm', 'Mean', 'Sum', 'Sub', 'Multiply', 'SegNativeBatchNormGradSums', 'SegNativeBinary'],
    );
  });

  it('tf.layers.batchNormalization in training mode (fused op on native): output, grads of x/gamma/beta, moving stats', async () => {
    const run = (x: tf.Tensor) => {
      const layer = tf.layers.batchNormalization({ axis: -1, momentum: 0.9 });
      layer.build(x.shape);
      const r = tf.tensor(rand(x.shape, 34).data, x.shape);
      const loss = () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar;
      const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, r)))(x);
      const { grads } = tf.variableGrads(loss, layer.trainableWeights.map((w) => w.read() as tf.Variable));
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      const [gamma, beta, movingMean, movingVariance] = layer.getWeights();
      return [y, dx, ...Object.values(grads), gamma!, beta!, movingMean!, movingVariance!];
    };
    await expectSame([rand([2, 16, 16, 6], 16, -1, 2)], run, ['SegNativeBatchNormTrain', 'SegNativeBatchNormTrainGrad']);
  });

  it('batch norm → ReLU layers in training mode (ReLU fused into the batch-norm op): output, gradients, moving stats', async () => {
    const run = (x: tf.Tensor) => {
      const input = tf.input({ shape: x.shape.slice(1) });
      const bn = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
      const model = tf.model({ inputs: input, outputs: tf.layers.reLU().apply(bn.apply(input)) as tf.SymbolicTensor });
      const r = tf.tensor(rand(x.shape, 37).data, x.shape);
      const f = (xx: tf.Tensor) => tf.sum(tf.mul(model.apply(xx, { training: true }) as tf.Tensor, r)) as tf.Scalar;
      const dx = tf.grad(f)(x);
      const { grads } = tf.variableGrads(() => f(x), bn.trainableWeights.map((w) => w.read() as tf.Variable));
      const y = model.apply(x, { training: true }) as tf.Tensor;
      return [y, dx, ...Object.values(grads), ...bn.getWeights()];
    };
    await expectSame([rand([2, 16, 16, 6], 38, -1, 2)], run, ['SegNativeBatchNormTrain', 'SegNativeBatchNormTrainGrad']);
    const stats = nativeKernelStats();
    expect(stats['Relu']?.native ?? 0, 'ReLU ran on its own').toBe(0);
    expect(stats['SegNativeBinary']?.native ?? 0, 'ReLU gradient ran on its own').toBe(0);
  });

  for (const [k, s, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same']] as const) {
    it(`maxPool ${k}x${k} stride ${s} ${pad}: forward and gradient`, async () => {
      await expectSame([rand([2, 9, 8, 5], 17)], gradsOf((x) => tf.maxPool(x as tf.Tensor4D, k, s, pad)), [
        'MaxPool',
        'MaxPoolGrad',
      ]);
    });
  }

  it('relu, sigmoid and friends: forward and gradients', async () => {
    await expectSame(
      [rand([3, 7, 11], 18, -3, 3)],
      gradsOf((x) => tf.addN([tf.relu(x), tf.sigmoid(x), tf.tanh(x), tf.elu(x), tf.leakyRelu(x, 0.1), tf.relu6(tf.mul(x, 3))])),
      ['Relu', 'Sigmoid', 'Step', 'Tanh', 'Elu', 'LeakyRelu', 'Relu6', 'AddN'],
    );
  });

  it('unary math ops', async () => {
    await expectSame([rand([5, 13], 19, 0.1, 2)], (x) => [
      tf.sqrt(x), tf.rsqrt(x), tf.square(x), tf.exp(x), tf.log(x), tf.neg(x), tf.abs(tf.sub(x, 1)), tf.reciprocal(x), tf.log1p(x),
    ], ['Sqrt', 'Rsqrt', 'Square', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Log1p']);
  });

  const shapes: [number[], number[]][] = [
    [[2, 3, 4, 5], [2, 3, 4, 5]],
    [[2, 3, 4, 5], [5]],
    [[2, 3, 4, 5], [1, 1, 1, 5]],
    [[2, 1, 4, 1], [1, 3, 1, 5]],
    [[3, 1], [1, 4]],
    [[4, 6], []],
    [[], [4, 6]],
    [[1], [7, 1, 3]],
  ];
  for (const [sa, sb] of shapes) {
    it(`broadcasting binary ops ${JSON.stringify(sa)} with ${JSON.stringify(sb)}: values and gradients`, async () => {
      await expectSame(
        [rand(sa, 20, 0.5, 2), rand(sb, 21, 0.5, 2)],
        (a, b) => [
          tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.div(a, b), tf.squaredDifference(a, b), tf.maximum(a, b), tf.minimum(a, b),
          ...(gradsOf((x, y) => tf.add(tf.mul(x, y), tf.div(x, y)))(a, b) as tf.Tensor[]),
        ],
        ['Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum'],
      );
    });
  }

  const reductions: { shape: number[]; axes: number[]; keep: boolean; native: boolean }[] = [
    { shape: [3, 4, 5, 6], axes: [0, 1, 2], keep: false, native: true },
    { shape: [3, 4, 5, 6], axes: [3], keep: true, native: true },
    { shape: [3, 4, 5, 6], axes: [1, 2], keep: true, native: true },
    { shape: [3, 4, 5, 6], axes: [0, 1, 2, 3], keep: false, native: true },
    { shape: [300, 257], axes: [0], keep: false, native: true },
    { shape: [3, 4, 5, 6], axes: [0, 2], keep: false, native: false }, // not [kept, reduced, kept]: reference path
  ];
  for (const r of reductions) {
    it(`sum/mean/max/min over ${JSON.stringify(r.axes)} of ${JSON.stringify(r.shape)}`, async () => {
      await expectSame(
        [rand(r.shape, 22)],
        (x) => [tf.sum(x, r.axes, r.keep), tf.mean(x, r.axes, r.keep), tf.max(x, r.axes, r.keep), tf.min(x, r.axes, r.keep)],
        r.native ? ['Sum', 'Mean', 'Max', 'Min'] : [],
      );
    });
  }

  it('concat along channels and batch, with gradients (strided slices)', async () => {
    await expectSame(
      [rand([2, 4, 5, 3], 23), rand([2, 4, 5, 6], 24)],
      (a, b) => [
        tf.concat([a, b], 0 + 3),
        ...(gradsOf((x, y) => tf.concat([x, y], 3))(a, b) as tf.Tensor[]),
        tf.concat([a, a], 0),
      ],
      ['Concat', 'SplitV'],
    );
  });

  it('slice and tile', async () => {
    await expectSame([rand([3, 5, 7, 4], 25)], (x) => [
      tf.slice(x, [1, 1, 2, 1], [2, 3, 4, 2]),
      tf.tile(x, [2, 1, 3, 1]),
      tf.tile(tf.reshape(tf.slice(x, [0, 0, 0, 0], [1, 1, 1, 4]), [1, 1, 1, 4]), [3, 5, 7, 1]),
    ], ['Slice', 'Tile']);
  });

  it('cast bool/int32 → float32 gives float32 storage, so the following ops run natively', async () => {
    await expectSame([rand([2, 33, 17, 3], 41)], (x) => {
      const mask = tf.cast(tf.greater(x, 0), 'float32');
      const idx = tf.cast(tf.cast(tf.mul(x, 10), 'int32'), 'float32');
      return [mask, idx, tf.mul(mask, x), tf.sum(tf.mul(idx, mask))];
    }, ['Cast', 'Multiply', 'Sum']);
    await tf.setBackend('native');
    resetNativeKernelStats();
    tf.tidy(() => tf.mul(tf.cast(tf.greater(tf.ones([4, 4]), 0), 'float32'), tf.ones([4, 4])));
    expect(nativeKernelStats()['Multiply']).toEqual({ native: 1, fallback: 0 });
  });

  it('clipByValue gradient (the BCE clip)', async () => {
    await expectSame([rand([2, 40, 30, 1], 39, -0.5, 1.5)], gradsOf((x) => tf.clipByValue(x, 0.1, 0.9)), ['SegNativeClipGrad']);
  });

  it('constant padding (ZeroPadding2D, PadV2) with its gradient', async () => {
    await expectSame([rand([2, 5, 6, 3], 34)], gradsOf((x) => tf.pad(x, [[0, 0], [3, 3], [1, 2], [0, 0]])), ['PadV2']);
    await expectSame([rand([4, 7, 5], 35)], (x) => [tf.pad(x, [[1, 0], [0, 2], [2, 1]], 1.5), tf.pad(x, [[0, 0], [0, 0], [0, 0]])], ['PadV2']);
    // Above the per-thread grain: the multi-threaded row split.
    await expectSame([rand([2, 64, 64, 16], 36)], (x) => tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), ['PadV2']);
  });

  it('Adam updates match after three steps', async () => {
    const step = (w: tf.Tensor, x: tf.Tensor) => {
      const v = tf.variable(w);
      const opt = tf.train.adam(0.01);
      for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(tf.mul(v, x), 0.5))) as tf.Scalar);
      const out = v.clone();
      opt.dispose();
      v.dispose();
      return out;
    };
    await expectSame([rand([64, 33], 26), rand([64, 33], 27)], step, ['Multiply', 'Add', 'Sqrt', 'RealDiv']);
  });

  // Tensors above the per-thread grain (32K elements) take the OpenMP-parallel paths.
  it('a conv-bn-relu-pool-concat block on large tensors (multi-threaded paths): forward and gradients', async () => {
    await expectSame(
      [rand([2, 32, 32, 32], 30), rand([3, 3, 32, 32], 31, -0.2, 0.2), rand([32], 32, 0.5, 1.5), rand([32], 33)],
      gradsOf((x, w, gamma, beta) => {
        const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
        const { mean, variance } = tf.moments(y, [0, 1, 2]);
        const z = tf.relu(tf.batchNorm(y, mean, variance, beta, gamma, 1e-3));
        const p = tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid');
        const up = tf.image.resizeNearestNeighbor(p as tf.Tensor4D, [32, 32]);
        return tf.sigmoid(tf.concat([z, up, x], 3));
      }),
      ['Conv2D', 'FusedBatchNorm', 'Relu', 'MaxPool', 'MaxPoolGrad', 'Concat', 'SplitV', 'Sum', 'Sigmoid'],
    );
  });

  // Inference folding (native/inference-fold.ts): conv → BN (→ ReLU) as one convolution and
  // add → ReLU as one pass. Batch-norm statistics are set to random values so the fold matters.
  for (const [kind, base, size] of [['unet', 4, 32], ['resnet34_unet', 4, 64]] as const) {
    it(`model.predict of ${kind} with folded batch norms matches the cpu backend`, async () => {
      await tf.setBackend('cpu');
      const model = buildModel({ model: kind, base, size, seed: 3 });
      let seed = 100;
      let bnLayers = 0;
      for (const layer of model.layers) {
        if (layer.getClassName() !== 'BatchNormalization') continue;
        bnLayers++;
        const c = layer.getWeights()[0]!.shape[0]!;
        const r = (lo: number, hi: number) => tf.tensor1d(rand([c], seed++, lo, hi).data);
        layer.setWeights([r(0.5, 1.5), r(-0.5, 0.5), r(-0.3, 0.3), r(0.2, 2)]);
      }
      const x = rand([2, size, size, 3], 40, 0, 1);
      const predict = (t: tf.Tensor) => model.predict(t) as tf.Tensor;
      const want = await runOn('cpu', [x], predict);
      resetNativeKernelStats();
      const got = await runOn('native', [x], predict);
      const stats = nativeKernelStats();
      expect(relErr(got[0]!.data, want[0]!.data)).toBeLessThanOrEqual(TOL);
      // Every batch norm and every ReLU is folded into its convolution (or the residual add).
      expect(bnLayers).toBeGreaterThan(0);
      expect(stats['FusedBatchNorm']?.native ?? 0).toBe(0);
      expect(stats['Relu']?.native ?? 0).toBe(0);
      // Opt-out: the layers' own kernels run again, with the same result.
      process.env.SEG_STUDIO_NATIVE_FOLD = '0';
      resetNativeKernelStats();
      const plain = await runOn('native', [x], predict);
      delete process.env.SEG_STUDIO_NATIVE_FOLD;
      expect(nativeKernelStats()['FusedBatchNorm']?.native ?? 0).toBe(bnLayers);
      expect(relErr(got[0]!.data, plain[0]!.data)).toBeLessThanOrEqual(TOL);
      model.dispose();
    });
  }

  it('keeps tensor memory flat across repeated training steps', async () => {
    await tf.setBackend('native');
    const x = tf.tensor(rand([2, 8, 8, 3], 28).data, [2, 8, 8, 3]);
    const w = tf.variable(tf.tensor(rand([3, 3, 3, 4], 29).data, [3, 3, 3, 4]));
    const gamma = tf.variable(tf.ones([4]));
    const beta = tf.variable(tf.zeros([4]));
    const opt = tf.train.adam(0.01);
    const stepOnce = () =>
      opt.minimize(() => {
        const y = tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, 1, 'same'));
        const { mean, variance } = tf.moments(y, [0, 1, 2]);
        return tf.mean(tf.batchNorm(y, mean, variance, beta, gamma)) as tf.Scalar;
      }, false);
    stepOnce();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) stepOnce();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    opt.dispose();
    tf.dispose([x, w, gamma, beta]);
  });
});
