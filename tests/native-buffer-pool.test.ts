// Reuse of kernel output storage on the 'native' backend (native/buffer-pool.ts): storage is
// reused only when nothing outside the backend can still see it, and a steady training loop
// stops allocating. Without the addon the backend tests are skipped by runIf; the pool's own
// rules are tested either way (native-backend.test.ts fails CI when the addon is missing).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { Float32BufferPool } from '../src/engine/backend/native/buffer-pool';
import { NativeCpuBackend } from '../src/engine/backend/native';
import { registerNativeBackend } from '../src/engine/backend/native';
import { buildModel } from '../src/engine/models/build-model';
import { bceDiceLoss } from '../src/engine/train/losses';
import { createAdam } from '../src/engine/train/optimizer';

describe('Float32BufferPool', () => {
  it('hands a released owned array to the next output of the same length, zeroed when asked', () => {
    const pool = new Float32BufferPool(1 << 20);
    const a = pool.take(16, false);
    a.fill(7);
    pool.release(a);
    expect(pool.stats().pooledBytes).toBe(64);
    expect(pool.take(8, false)).not.toBe(a);
    const b = pool.take(16, false);
    expect(b).toBe(a);
    expect(b[0]).toBe(7);
    pool.release(b);
    const c = pool.take(16, true);
    expect(c).toBe(a);
    expect([...c].every((v) => v === 0)).toBe(true);
    expect(pool.stats()).toMatchObject({ reused: 2, allocated: 2, pooledBytes: 0 });
  });

  it('never reuses escaped or foreign arrays, and keeps no more than its cap', () => {
    const pool = new Float32BufferPool(100);
    const escaped = pool.take(4, false);
    pool.escape(escaped);
    pool.release(escaped);
    pool.release(new Float32Array(4));
    expect(pool.take(4, false)).not.toBe(escaped);
    const big = pool.take(32, false); // 128 bytes > cap 100
    pool.release(big);
    expect(pool.stats().pooledBytes).toBe(0);
    expect(pool.take(32, false)).not.toBe(big);
    expect(pool.stats().escaped).toBe(1);
  });

  it('with a cap of 0 keeps nothing', () => {
    const pool = new Float32BufferPool(0);
    const a = pool.take(4, false);
    pool.release(a);
    expect(pool.take(4, false)).not.toBe(a);
    expect(pool.enabled).toBe(false);
  });
});

const reg = await registerNativeBackend();

describe.runIf(reg.ok)('storage reuse on the native backend', () => {
  const poolOf = () => (tf.backend() as NativeCpuBackend).buffers;

  it('is the backend in use', async () => {
    await tf.setBackend('native');
    expect(tf.backend()).toBeInstanceOf(NativeCpuBackend);
    expect(poolOf().enabled).toBe(true);
  });

  it('reuses a disposed output for the next output of that size', async () => {
    await tf.setBackend('native');
    const x = tf.randomUniform([4096], -1, 1, 'float32', 1);
    tf.relu(x).dispose(); // its storage returns to the pool
    const before = poolOf().stats();
    const y = tf.relu(x);
    expect(poolOf().stats().reused).toBe(before.reused + 1);
    tf.dispose([x, y]);
  });

  it('an array read with dataSync() keeps its values after its tensor is disposed', async () => {
    await tf.setBackend('native');
    const x = tf.randomUniform([4096], -1, 1, 'float32', 2);
    const a = tf.relu(x);
    const read = a.dataSync() as Float32Array;
    const copy = read.slice();
    a.dispose();
    // Same-size outputs with other values: none may land in the array the caller holds.
    const others = [tf.neg(x), tf.abs(x), tf.mul(x, 3)];
    expect(read).toEqual(copy);
    tf.dispose([x, ...others]);
  });

  it('a zero-copy view made by a reference kernel (contiguous slice) outlives its parent', async () => {
    await tf.setBackend('native');
    const x = tf.randomUniform([8, 512], -1, 1, 'float32', 3);
    const parent = tf.relu(x);
    const view = tf.slice(parent, [2, 0], [2, 512]); // rows 2..3: a subarray of parent's storage
    const expected = (await tf.slice(tf.relu(x), [2, 0], [2, 512]).data()) as Float32Array;
    parent.dispose();
    const others = [tf.neg(x), tf.mul(x, -5)]; // same length as the parent
    expect(view.dataSync()).toEqual(expected);
    tf.dispose([x, view, ...others]);
  });

  it('a steady training loop stops allocating, and a warm pool does not change the results', async () => {
    await tf.setBackend('native');
    const run = () => {
      const model = buildModel({ model: 'unet', base: 4, size: 32, seed: 5 });
      const optimizer = createAdam(1e-3);
      const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 6);
      const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 7), 0.5), 'float32'));
      const losses: number[] = [];
      const allocatedPerStep: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = poolOf().stats().allocated;
        const cost = optimizer.minimize(() => bceDiceLoss(y, model.apply(x, { training: true }) as tf.Tensor), true)!;
        losses.push(cost.dataSync()[0]!);
        cost.dispose();
        allocatedPerStep.push(poolOf().stats().allocated - before);
      }
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
      return { losses, weights, allocatedPerStep };
    };
    poolOf().clear();
    const cold = run();
    const warm = run(); // every output now comes from storage the first run left behind
    expect(warm.losses).toEqual(cold.losses);
    expect(warm.weights).toEqual(cold.weights);
    // The first step allocates its outputs; later steps reuse them (a few reads escape).
    expect(cold.allocatedPerStep[0]).toBeGreaterThan(50);
    for (const n of cold.allocatedPerStep.slice(2)) expect(n).toBeLessThan(cold.allocatedPerStep[0]! / 10);
  });
});
