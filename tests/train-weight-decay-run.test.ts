// A run's weightDecay and loss weights reach the optimizer and the loss (train() → createAdam,
// trainStep). One training step (4 images, batch 4, constant rate) from the seeded initial
// weights w0 makes the effect exact: Adam's first update u is the same with and without decay, so
// AdamW ends at w0·(1 − lr·wd) + u, i.e. (with decay) − (without) = −lr·wd·w0 on every
// convolution kernel and 0 on batch-norm scales, offsets and biases. Loss weights change the
// step but not the reported train metrics (unweighted BCE and Dice loss); the progress line's
// loss is the weighted value the step minimised.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { buildModel } from '../src/engine/models/build-model';
import { readLayersModel } from '../src/engine/train/checkpoint';
import { train } from '../src/engine/train/train';
import type { TrainEvent } from '../src/engine/train/train-events';
import { parseRunConfig, type RunConfigInput } from '../src/shared/run-config';

const fixture = resolve(__dirname, 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'seg-adamw-run-'));
const BASE: RunConfigInput = {
  data: fixture, model: 'unet', base: 4, size: 32, epochs: 1, batchSize: 4, maxTrainImages: 4,
  learningRate: 1e-2, schedule: 'constant', seed: 11, augment: { enabled: false },
};

async function oneStep(name: string, extra: Partial<RunConfigInput>) {
  const outDir = join(work, name);
  const events: TrainEvent[] = [];
  const result = await train({ config: parseRunConfig({ ...BASE, ...extra }), outDir, onEvent: (e) => events.push(e) });
  expect(result.epochsCompleted).toBe(1);
  const model = await readLayersModel(join(outDir, 'last'));
  // In trainableWeights order, the same for every model of this architecture.
  const weights = model.trainableWeights.map((w) => ({ name: w.originalName, shape: w.shape as number[], values: (w.read().dataSync() as Float32Array).slice() }));
  model.dispose();
  const progress = events.filter((e): e is Extract<TrainEvent, { type: 'progress' }> => e.type === 'progress' && e.phase === 'train');
  return { weights, history: result.history, loss: progress.at(-1)?.loss, batches: progress.length };
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a run with weightDecay and loss weights', () => {
  it('decays the kernels by lr·wd·w0 in its step and leaves norms and biases alone; loss weights change the step, not the metrics', async () => {
    const plain = await oneStep('plain', {});
    expect(plain.batches).toBe(1);
    const decayed = await oneStep('decayed', { weightDecay: 0.5 });
    const initial = buildModel({ model: 'unet', base: 4, size: 32, seed: 11 });
    const w0 = initial.trainableWeights.map((w) => ({ shape: w.shape as number[], values: w.read().dataSync() as Float32Array }));
    expect(w0.map((w) => w.shape)).toEqual(decayed.weights.map((w) => w.shape));
    let kernels = 0, vectors = 0;
    for (const [k, { name, shape, values }] of decayed.weights.entries()) {
      const a = plain.weights[k]!.values, init = w0[k]!.values;
      let worst = 0, scale = 0;
      for (let i = 0; i < values.length; i++) {
        const want = shape.length >= 2 ? -1e-2 * 0.5 * init[i]! : 0;
        worst = Math.max(worst, Math.abs(values[i]! - a[i]! - want));
        scale = Math.max(scale, Math.abs(init[i]!), Math.abs(a[i]!));
      }
      // The difference is computed from two float32 weights: a few ulps of the weight's size.
      expect(worst, `${name} ${JSON.stringify(shape)}`).toBeLessThanOrEqual(1e-6 * scale);
      if (shape.length >= 2) kernels++;
      else vectors++;
    }
    expect(kernels).toBeGreaterThan(10);
    expect(vectors).toBeGreaterThan(10);
    initial.dispose();

    const weighted = await oneStep('weighted', { bceWeight: 0.3, diceWeight: 1.7 });
    const [mp, mw] = [plain.history[0]!, weighted.history[0]!];
    // Same batch, same weights before the step: the reported (unweighted) parts are the same …
    expect(mw.trainBce).toBe(mp.trainBce);
    expect(mw.trainDiceLoss).toBe(mp.trainDiceLoss);
    // … the minimised value is the weighted one …
    expect(plain.loss).toBeCloseTo(mp.trainBce + mp.trainDiceLoss, 5);
    expect(weighted.loss).toBeCloseTo(0.3 * mw.trainBce + 1.7 * mw.trainDiceLoss, 5);
    // … and the step went elsewhere.
    let moved = 0;
    for (const [k, { values }] of weighted.weights.entries()) {
      const a = plain.weights[k]!.values;
      for (let i = 0; i < values.length; i++) moved = Math.max(moved, Math.abs(values[i]! - a[i]!));
    }
    expect(moved).toBeGreaterThan(1e-3);
  }, 60_000);
});
