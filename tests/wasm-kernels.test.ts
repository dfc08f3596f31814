// The project's wasm training kernels (Conv2DBackpropFilter, which the package lacks, and the
// matmul-based Conv2DBackpropInput that replaces its scalar loop) against the reference `cpu`
// backend, and a whole training step of a tiny UNet on wasm vs cpu.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupWasmBackend } from '../src/engine/backend/wasm-backend';
import { wasmConv2DBackpropFilter } from '../src/engine/backend/wasm-kernels/conv2d-backprop-filter';
import { wasmConv2DBackpropInput } from '../src/engine/backend/wasm-kernels/conv2d-backprop-input';
import { buildModel } from '../src/engine/models/build-model';
import { bceDiceLoss } from '../src/engine/train/losses';
import { createAdam } from '../src/engine/train/optimizer';
import { maxRelErr, seededUniform } from './helpers/array-diff';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** Output and gradients (wrt every input) of f on one backend, for a random cotangent. */
async function gradsOn(backend: string, shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const xs = shapes.map((s, i) => tf.tensor(seededUniform(s, 1 + i), s));
    const y = f(...xs);
    const r = tf.tensor(seededUniform(y.shape, 99), y.shape);
    return [y, ...tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs)];
  });
  const arrays = outs.map((t) => (t.dataSync() as Float32Array).slice());
  tf.dispose(outs);
  return arrays;
}

async function expectMatchesCpu(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor) {
  const ref = await gradsOn('cpu', shapes, f);
  const got = await gradsOn('wasm', shapes, f);
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    expect(got[i]!.length).toBe(ref[i]!.length);
    expect(ref[i]!.some((v) => v !== 0)).toBe(true);
    expect(maxRelErr(got[i]!, ref[i]!), i === 0 ? 'output' : `gradient ${i}`).toBeLessThan(1e-4);
  }
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await setupWasmBackend();
  });

  it('registers the missing filter gradient and replaces the slow input gradient and Tile', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(wasmConv2DBackpropFilter.kernelFunc);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(wasmConv2DBackpropInput.kernelFunc);
    expect(tf.getKernel('Tile', 'wasm')?.kernelFunc.name).toBe('tileKernel');
  });

  const cases: Array<[number[], number[], number, Pad]> = [];
  for (const strides of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      cases.push([[2, 9, 10, 3], [3, 3, 3, 5], strides, pad]);
      cases.push([[1, 8, 8, 4], [2, 2, 4, 6], strides, pad]);
    }
  }
  cases.push([[2, 7, 9, 3], [3, 3, 3, 4], 2, [[0, 0], [1, 2], [2, 0], [0, 0]]]);
  // K·P = 576·9216 > the 4M-float im2col block: exercises the blocked path and its tail block.
  cases.push([[4, 48, 48, 64], [3, 3, 64, 4], 1, 'same']);
  cases.push([[4, 96, 96, 64], [3, 3, 64, 2], 2, 'same']);
  for (const [xShape, fShape, strides, pad] of cases) {
    it(`conv2d gradients match cpu: stride ${strides}, ${JSON.stringify(pad)}, x ${xShape.join('×')}, filter ${fShape.join('×')}`, async () => {
      await expectMatchesCpu([xShape, fShape], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides as 1 | 2, pad));
    });
  }

  it('conv2dTranspose 2×2 stride 2 (the UNet upsampler) and 3×3 stride 2 same match cpu', async () => {
    await expectMatchesCpu([[2, 5, 6, 8], [2, 2, 4, 8]], (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 12, 4], 2, 'valid'));
    await expectMatchesCpu([[2, 5, 6, 8], [3, 3, 4, 8]], (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 12, 4], 2, 'same'));
  });

  it('Tile matches cpu for every rank, repeated and unrepeated axes, float32/int32/bool', async () => {
    const cases: Array<[number[], number[]]> = [[[1, 1, 1, 5], [2, 3, 4, 1]], [[2, 3], [3, 2]], [[4], [3]], [[2, 1, 3], [1, 4, 2]], [[3, 2, 2], [1, 1, 1]], [[2, 0], [2, 3]]];
    for (const [shape, reps] of cases) {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const vals = Array.from(seededUniform(shape, 7), (v) => (dtype === 'float32' ? v : dtype === 'int32' ? Math.round(v * 100) : v > 0 ? 1 : 0));
        const on = async (backend: string) => {
          await tf.setBackend(backend);
          const x = tf.tensor(vals, shape, dtype);
          const y = tf.tile(x, reps);
          const out = { shape: y.shape, values: Array.from(await y.data()) };
          tf.dispose([x, y]);
          return out;
        };
        expect(await on('wasm'), `${dtype} ${shape} × ${reps}`).toEqual(await on('cpu'));
      }
    }
  });

  it('batchNorm with batch statistics (gradients tile per-channel vectors) matches cpu', async () => {
    await expectMatchesCpu([[2, 6, 7, 5], [5], [5]], (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x!, [0, 1, 2]);
      return tf.batchNorm(x as tf.Tensor4D, mean, variance, beta as tf.Tensor1D, tf.add(gamma!, 1) as tf.Tensor1D, 1e-5);
    });
  });

  it('one Adam step of a tiny UNet on wasm matches cpu (loss, every gradient, every updated weight)', async () => {
    const step = async (backend: string) => {
      await tf.setBackend(backend);
      const model = buildModel({ model: 'unet', base: 4, size: 32, seed: 3 });
      const x = tf.tensor4d(seededUniform([2, 32, 32, 3], 5), [2, 32, 32, 3]);
      const y = tf.tensor4d(Array.from(seededUniform([2, 32, 32, 1], 6), (v) => (v > 0 ? 1 : 0)), [2, 32, 32, 1]);
      const opt = createAdam(1e-3);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => bceDiceLoss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
      opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      const result = {
        loss: value.dataSync()[0]!,
        grads: vars.map((v) => grads[v.name]!.dataSync().slice()),
        weights: model.getWeights().map((w) => w.dataSync().slice()),
      };
      model.dispose();
      opt.dispose();
      tf.dispose([x, y, value, ...Object.values(grads)]);
      return result;
    };
    const ref = await step('cpu');
    const got = await step('wasm');
    expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-4);
    expect(got.grads.length).toBe(ref.grads.length);
    // Batch norm divides by small batch deviations, so gradients get looser bounds than single ops.
    for (let i = 0; i < ref.grads.length; i++) expect(maxRelErr(got.grads[i]!, ref.grads[i]!), `gradient of weight ${i}`).toBeLessThan(1e-3);
    expect(got.weights.length).toBe(ref.weights.length);
    // Adam's first step moves each weight by ≈ lr·sign(g): near-zero gradients may flip sign with rounding.
    for (let i = 0; i < ref.weights.length; i++) expect(maxRelErr(got.weights[i]!, ref.weights[i]!), `weight ${i}`).toBeLessThan(1e-3);
  });
});
