#!/usr/bin/env -S npx tsx
// What the weight average (engine/train/weight-ema.ts) costs and buys.
//
// cost: ms per update of the average for UNet-16 at 128² and UNet-64 at 256² (the weights of the
//   model as built; the update does not depend on the data; median of 5R updates after 5 warm-up
//   ones, as in a run where it is called every step), beside the training step it follows (batch
//   8 and 4, random data; median of R steps after one warm-up step).
// quality DATA [epochs=85] [seed=42]: one cpu-quick training run (UNet-16, 128², batch 8, lr 2e-3,
//   cosine, the studio's augmentation) with several averages of the same raw weights kept side by
//   side (an average never changes training, so every variant sees the same trajectory); every
//   5 epochs each variant and the raw weights are scored on the valid and test splits. Variants:
//   decay 0.99 and 0.999 with and without the warm-up d_t = min(d, (1+t)/(10+t)), and 0.99 with
//   the batch-norm moving statistics copied from the raw model instead of averaged. (With the
//   warm-up, every d ≥ 0.995 is the same average for the first 1,791 steps: (1+t)/(10+t) < 0.995.)
//   Lines are JSON, one per (epoch, variant).
// Usage: npx tsx scripts/measure-ema.ts cost [R=5]
//        npx tsx scripts/measure-ema.ts quality DATA [epochs] [seed]
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { selectBackend } from '../src/engine/backend/select-backend';
import { buildModel, countParams } from '../src/engine/models/build-model';
import { createAdam, setLearningRate } from '../src/engine/train/optimizer';
import { trainStep } from '../src/engine/train/train-step';
import { WeightEma } from '../src/engine/train/weight-ema';
import { importDataset } from '../src/engine/data/import-dataset';
import { resolveDataPath } from '../src/engine/data/resolve-data-path';
import { iterateBatches } from '../src/engine/train/batches';
import { evaluateModel } from '../src/engine/infer/evaluate';
import { scheduledLr } from '../src/engine/train/lr-schedule';
import { splitSamples } from '../src/engine/train/train';
import { parseRunConfig } from '../src/shared/run-config';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');

async function cost(repeats: number): Promise<void> {
  const backend = await selectBackend('native');
  console.log(`backend ${backend.backend} (${backend.detail}); load ${load()}`);
  for (const [base, size, batch] of [[16, 128, 8], [64, 256, 4]] as const) {
    const model = buildModel({ model: 'unet', base, size, seed: 1 });
    const floats = model.weights.reduce((n, w) => n + w.read().size, 0);
    const ema = WeightEma.start(model, 0.99);
    const optimizer = createAdam(1e-3);
    const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 3), 0.5), 'float32')) as tf.Tensor4D;
    const step: number[] = [], update: number[] = [], swap: number[] = [];
    const timed = (f: () => void) => {
      const t = performance.now();
      f();
      return performance.now() - t;
    };
    // The first round of each compiles plans, allocates or warms the JIT: not counted.
    for (let r = 0; r < 5 * repeats + 5; r++) {
      const ms = timed(() => ema.update());
      if (r >= 5) update.push(ms);
    }
    for (let r = 0; r < repeats + 1; r++) {
      const t = performance.now();
      const out = trainStep(model, optimizer, x, y);
      await out.loss.data();
      tf.dispose([out.loss, out.parts]);
      if (r > 0) step.push(performance.now() - t);
      const ms = timed(() => ema.swapIn()());
      if (r > 0) swap.push(ms);
    }
    console.log(
      `UNet-${base} ${size}² (${(floats / 1e6).toFixed(2)} M floats averaged, ${(countParams(model).trainableParams / 1e6).toFixed(2)} M trainable): ` +
        `update ${median(update).toFixed(1)} ms (min ${Math.min(...update).toFixed(1)}, max ${Math.max(...update).toFixed(1)}), swap in + out ${median(swap).toFixed(1)} ms, ` +
        `training step (batch ${batch}) ${median(step).toFixed(0)} ms → ${((100 * median(update)) / median(step)).toFixed(2)}% per step; load ${load()}`,
    );
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
}

interface Variant {
  name: string;
  ema: WeightEma | null;
  /** Batch-norm moving statistics from the raw model instead of the average. */
  rawStats?: boolean;
}

async function quality(data: string, epochs: number, seed: number): Promise<void> {
  const config = parseRunConfig({ data, model: 'unet', base: 16, size: 128, batchSize: 8, learningRate: 2e-3, epochs, seed, backend: 'native' });
  const backend = await selectBackend(config.backend);
  const report = await importDataset(resolveDataPath(config.data), { valFraction: config.valFraction, seed: config.seed });
  const splits = splitSamples(report);
  const model = buildModel({ model: config.model, base: config.base, size: config.size, seed: config.seed });
  const optimizer = createAdam(config.learningRate);
  const variants: Variant[] = [{ name: 'raw', ema: null }];
  for (const d of [0.99, 0.999]) {
    variants.push({ name: `${d} warm-up`, ema: WeightEma.start(model, d, { warmup: true }) });
    variants.push({ name: `${d} fixed`, ema: WeightEma.start(model, d, { warmup: false }) });
  }
  for (const d of [0.99]) variants.push({ name: `${d} warm-up, raw BN stats`, ema: WeightEma.start(model, d, { warmup: true }), rawStats: true });
  const isStat = model.weights.map((w) => /moving_(mean|variance)$/.test(w.originalName));
  console.error(`backend ${backend.backend}; ${splits.train.length} train / ${splits.valid.length} valid / ${splits.test.length} test; ${epochs} epochs; load ${load()}`);
  const t0 = performance.now();
  let steps = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    setLearningRate(optimizer, scheduledLr(epoch, config));
    for await (const batch of iterateBatches(splits.train, {
      size: config.size, batchSize: config.batchSize, augment: config.augment, seed: config.seed, epoch, shuffle: true, dropLast: true,
    })) {
      const n = batch.ids.length;
      const x = tf.tensor4d(batch.x, [n, config.size, config.size, 3]);
      const y = tf.tensor4d(batch.y, [n, config.size, config.size, 1]);
      const out = trainStep(model, optimizer, x, y);
      tf.dispose([x, y, out.loss, out.parts]);
      for (const v of variants) v.ema?.update();
      steps++;
    }
    if ((epoch + 1) % 5 !== 0 && epoch + 1 !== epochs) continue;
    for (const v of variants) {
      let restore: (() => void) | undefined;
      if (v.ema) {
        const rawStats = v.rawStats ? model.weights.map((w, k) => (isStat[k] ? tf.clone(w.read()) : null)) : [];
        restore = v.ema.swapIn();
        rawStats.forEach((t, k) => {
          if (!t) return;
          (model.weights[k]!.read() as tf.Variable).assign(t);
          t.dispose();
        });
      }
      const opts = { size: config.size, batchSize: 8 };
      const valid = await evaluateModel(model, splits.valid, opts);
      const test = await evaluateModel(model, splits.test, opts);
      restore?.();
      console.log(JSON.stringify({ epoch: epoch + 1, steps, variant: v.name, valid: +valid.dice.toFixed(4), test: +test.dice.toFixed(4), minutes: +((performance.now() - t0) / 60000).toFixed(1) }));
    }
  }
}

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'cost') await cost(Number(a ?? 5));
else if (mode === 'quality' && a) await quality(a, Number(b ?? 85), Number(c ?? 42));
else throw new Error('usage: measure-ema.ts cost [R] | quality DATA [epochs] [seed]');
