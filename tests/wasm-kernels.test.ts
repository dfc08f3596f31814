// The project's Conv2DBackpropFilter for the wasm backend (which ships without one) against
// the reference `cpu` backend, and a whole training step of a tiny UNet on wasm vs cpu.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupWasmBackend } from '../src/engine/backend/wasm-backend';
import { buildModel } from '../src/engine/models/build-model';
import { bceDiceLoss } from '../src/engine/train/losses';
import { createAdam } from '../src/engine/train/optimizer';

function rand(shape: number[], seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / Math.max(scale, 1e-12);
}

async function convGrads(backend: string, xShape: number[], fShape: number[], strides: number, pad: 'same' | 'valid') {
  await tf.setBackend(backend);
  const x = tf.tensor4d(rand(xShape, 1), xShape as [number, number, number, number]);
  const f = tf.tensor4d(rand(fShape, 2), fShape as [number, number, number, number]);
  const y = tf.conv2d(x, f, strides, pad);
  const r = tf.tensor(rand(y.shape, 3), y.shape);
  const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), r)))([x, f]);
  const out = { dx: dx!.dataSync().slice(), df: df!.dataSync().slice() };
  tf.dispose([x, f, y, r, dx!, df!]);
  return out;
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await setupWasmBackend();
  });

  for (const strides of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const [xShape, fShape] of [
        [[2, 9, 10, 3], [3, 3, 3, 5]],
        [[1, 8, 8, 4], [2, 2, 4, 6]],
      ] as const) {
        it(`Conv2DBackpropFilter matches cpu: stride ${strides}, ${pad}, x ${xShape.join('×')}, filter ${fShape.join('×')}`, async () => {
          const ref = await convGrads('cpu', [...xShape], [...fShape], strides, pad);
          const got = await convGrads('wasm', [...xShape], [...fShape], strides, pad);
          expect(got.df.length).toBe(ref.df.length);
          expect(maxRelErr(got.df, ref.df)).toBeLessThan(1e-4);
          expect(maxRelErr(got.dx, ref.dx)).toBeLessThan(1e-4);
        });
      }
    }
  }

  it('one training step of a tiny UNet on wasm matches cpu (loss and updated weights)', async () => {
    const step = async (backend: string) => {
      await tf.setBackend(backend);
      const model = buildModel({ model: 'unet', base: 4, size: 32, seed: 3 });
      const x = tf.tensor4d(rand([2, 32, 32, 3], 5), [2, 32, 32, 3]);
      const y = tf.tensor4d(Array.from(rand([2, 32, 32, 1], 6), (v) => (v > 0 ? 1 : 0)), [2, 32, 32, 1]);
      const opt = createAdam(1e-3);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const loss = opt.minimize(() => bceDiceLoss(y, model.apply(x, { training: true }) as tf.Tensor), true, vars)!;
      const result = { loss: loss.dataSync()[0]!, weights: model.getWeights().map((w) => w.dataSync().slice()) };
      model.dispose();
      opt.dispose();
      tf.dispose([x, y, loss]);
      return result;
    };
    const ref = await step('cpu');
    const got = await step('wasm');
    expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-4);
    expect(got.weights.length).toBe(ref.weights.length);
    for (let i = 0; i < ref.weights.length; i++) expect(maxRelErr(got.weights[i]!, ref.weights[i]!)).toBeLessThan(1e-3);
  });
});
