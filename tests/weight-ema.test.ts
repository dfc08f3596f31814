// The exponential moving average of the weights (run config emaDecay, engine/train/weight-ema.ts):
// the average after k steps against a fold computed here from the raw weights recorded after each
// step; the training loop validating, keeping (`best`) and testing the average while `last` keeps
// the raw weights plus the average; a resume continuing it bit-exactly; and emaDecay 0 (or > 0)
// leaving the raw training untouched. Checkpoint files are decoded here with plain JSON and
// Float32Array reads, not with the studio's checkpoint reader.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { selectBackend } from '../src/engine/backend/select-backend';
import { buildModel } from '../src/engine/models/build-model';
import { createAdam } from '../src/engine/train/optimizer';
import { trainStep } from '../src/engine/train/train-step';
import { WeightEma } from '../src/engine/train/weight-ema';
import { train, splitSamples } from '../src/engine/train/train';
import { loadCheckpoint, readCheckpointEma, saveCheckpoint } from '../src/engine/train/checkpoint';
import { evaluateModel } from '../src/engine/infer/evaluate';
import { importDataset } from '../src/engine/data/import-dataset';
import { parseRunConfig, type RunConfigInput } from '../src/shared/run-config';
import { expandGrid, parseGrid } from '../src/shared/sweep-grid';
import { configFromFlags, trainFlags } from '../src/cli/commands/train';
import { parseArgs } from '../src/cli/args';

const fixture = resolve(__dirname, 'fixtures', 'oxford-mini');

/** The float weights of a layers-model folder, by name, read from model.json + weights.bin directly. */
function readWeightsFile(dir: string): Map<string, Float32Array> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
  };
  const group = json.weightsManifest[0]!;
  const bin = readFileSync(join(dir, group.paths[0]!));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const w of group.weights) {
    expect(w.dtype).toBe('float32');
    const n = w.shape.reduce((a, b) => a * b, 1);
    out.set(w.name, all.slice(at, at + n));
    at += n;
  }
  expect(at).toBe(all.length);
  return out;
}

/** The average saved beside a `last` checkpoint: checkpoint.json's list of shapes over ema.bin. */
function readEmaFile(dir: string): { updates: number; weights: Map<string, Float32Array> } {
  const meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { ema: { updates: number; weights: Array<{ name: string; shape: number[] }> } };
  const bin = readFileSync(join(dir, 'ema.bin'));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const weights = new Map<string, Float32Array>();
  let at = 0;
  for (const w of meta.ema.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    weights.set(w.name, all.slice(at, at + n));
    at += n;
  }
  expect(at).toBe(all.length);
  return { updates: meta.ema.updates, weights };
}

/**
 * Same values weight by weight, in order (layer names carry a per-process counter, so two models
 * built in one process name the same weight differently; the layer kind and weight must agree).
 */
function expectSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  const kind = (name: string) => name.replace(/\d+\//, '/');
  const [as, bs] = [[...a], [...b]];
  expect(as.map(([n]) => kind(n))).toEqual(bs.map(([n]) => kind(n)));
  as.forEach(([name, v], k) => expect(Buffer.from(bs[k]![1].buffer).equals(Buffer.from(v.buffer)), name).toBe(true));
}

describe('weight average (EMA)', () => {
  beforeAll(async () => {
    await selectBackend('native');
  });

  it('after k steps equals the fold of the raw weights recorded after each step, moving statistics included', async () => {
    const model = buildModel({ model: 'unet', base: 4, size: 32, seed: 5 });
    const optimizer = createAdam(3e-3);
    const decay = 0.9;
    const weights = () => model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
    const names = model.weights.map((w) => w.originalName);
    expect(names.some((n) => n.endsWith('moving_mean'))).toBe(true);
    expect(names.some((n) => n.endsWith('moving_variance'))).toBe(true);
    const initial = weights();
    const host = WeightEma.start(model, decay, { warmup: true, where: 'host' });
    const device = WeightEma.start(model, decay, { warmup: true, where: 'device' });
    const noWarmup = WeightEma.start(model, decay, { warmup: false, where: 'host' });
    const recorded: Float32Array[][] = [];
    for (let step = 0; step < 6; step++) {
      const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 10 + step) as tf.Tensor4D;
      const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 50 + step), 0.6), 'float32')) as tf.Tensor4D;
      const out = trainStep(model, optimizer, x, y);
      tf.dispose([x, y, out.loss, out.parts]);
      for (const e of [host, device, noWarmup]) e.update();
      recorded.push(weights());
    }
    // The fold, written out: d_t = min(d, (1 + t)/(10 + t)) with t = 0, 1, … (0.1, 2/11, 3/12, …, capped at 0.9).
    const fold = (warm: boolean) =>
      recorded.reduce(
        (ema, w, t) => {
          const d = warm ? Math.min(decay, (1 + t) / (10 + t)) : decay;
          return ema.map((e, k) => e.map((v, i) => d * v + (1 - d) * w[k]![i]!));
        },
        initial.map((a) => Float32Array.from(a)),
      );
    const want = fold(true);
    const got = (await host.state()).weights;
    expect(got.map((w) => w.name)).toEqual(names);
    got.forEach((w, k) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(want[k]!.buffer)), names[k]).toBe(true));
    // On the device the update is two float32 ops: within a few float32 roundings of the fold.
    (await device.state()).weights.forEach((w, k) => {
      let worst = 0;
      w.values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[k]![i]!) / Math.max(1e-3, Math.abs(want[k]![i]!)))));
      expect(worst, names[k]).toBeLessThan(1e-5);
    });
    const wantPlain = fold(false);
    (await noWarmup.state()).weights.forEach((w, k) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(wantPlain[k]!.buffer)), names[k]).toBe(true));
    // The average moved away from both the start and the latest raw weights.
    const kernel = names.findIndex((n) => n.endsWith('kernel'));
    expect(got[kernel]!.values).not.toEqual(initial[kernel]);
    expect(got[kernel]!.values).not.toEqual(recorded[5]![kernel]);
    expect(host.updates).toBe(6);

    // Swapping in puts exactly the average into the model; swapping back restores the raw weights bit for bit.
    const before = weights();
    const restore = host.swapIn();
    weights().forEach((w, k) => expect(Buffer.from(w.buffer).equals(Buffer.from(want[k]!.buffer)), names[k]).toBe(true));
    restore();
    weights().forEach((w, k) => expect(Buffer.from(w.buffer).equals(Buffer.from(before[k]!.buffer)), names[k]).toBe(true));
    device.dispose();
    model.dispose();
    optimizer.dispose();
  });

  it('a damaged ema.bin or an average of another model is refused, naming the file and the problem', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'seg-ema-')), 'last');
    const model = buildModel({ model: 'unet', base: 4, size: 32, seed: 1 });
    const ema = WeightEma.start(model, 0.9);
    const config = parseRunConfig({ data: fixture, base: 4, size: 32 });
    await saveCheckpoint(dir, model, { kind: 'last', epoch: 1, config, bestValidDice: 0, bestEpoch: 1, history: [], backend: 'native' }, undefined, await ema.state());
    const saved = readCheckpointEma(dir)!;
    expect(saved.weights.length).toBe(model.weights.length);
    const other = buildModel({ model: 'unet', base: 8, size: 32, seed: 1 });
    expect(() => WeightEma.restore(other, saved, 0.9, dir)).toThrow(new RegExp(`^${dir}: the saved weight average's weight 0 is .*; the model's is`));
    truncateSync(join(dir, 'ema.bin'), 100);
    expect(() => readCheckpointEma(dir)).toThrow(new RegExp(`^${join(dir, 'ema.bin')}: 100 bytes; checkpoint.json names \\d+ floats`));
    model.dispose();
    other.dispose();
  });

  it('is asked for as --ema-decay (or --ema) on train and ema= in a sweep grid; 1 is refused by name', () => {
    for (const flag of ['--ema-decay', '--ema'])
      expect(configFromFlags(parseArgs(['--data', 'x', flag, '0.99'], trainFlags).flags).emaDecay).toBe(0.99);
    expect(configFromFlags(parseArgs(['--data', 'x'], trainFlags).flags).emaDecay).toBeUndefined();
    expect(parseGrid('ema=0,0.99')).toEqual({ emaDecay: [0, 0.99] });
    expect(expandGrid({ data: 'x' }, parseGrid('ema-decay=0.995')).map((p) => p.config.emaDecay)).toEqual([0.995]);
    expect(() => parseRunConfig({ data: 'x', emaDecay: 1 })).toThrow(/emaDecay: must be less than 1/);
  });

  const run = async (patch: Partial<RunConfigInput>, opts: { stopAfter?: number; resume?: string; outDir?: string } = {}) => {
    const outDir = opts.outDir ?? mkdtempSync(join(tmpdir(), 'seg-ema-'));
    const config = parseRunConfig({ data: fixture, model: 'unet', base: 4, size: 32, epochs: 2, batchSize: 2, learningRate: 3e-3, seed: 7, backend: 'native', ...patch });
    const ctl = new AbortController();
    const result = await train({
      config,
      outDir,
      resumeFrom: opts.resume,
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.metrics.epoch === opts.stopAfter) ctl.abort();
      },
    });
    return { outDir, result };
  };

  it('validation, `best` and the test score use the average; `last` keeps the raw weights and the average; a resume continues it bit-exactly; the raw training is the same with or without it', async () => {
    // Nothing of the average is left behind: the run leaves as many tensors as one without it.
    const tensors = () => tf.memory().numTensors;
    let before = tensors();
    const straight = await run({ emaDecay: 0.8 });
    const leftWithEma = tensors() - before;
    before = tensors();
    const plain = await run({ emaDecay: 0 });
    expect(leftWithEma).toBe(tensors() - before);
    const first = await run({ emaDecay: 0.8 }, { stopAfter: 1 });
    expect(first.result.epochsCompleted).toBe(1);
    // After one epoch: `best` (epoch 1 always improves) holds exactly the average that `last` carries.
    const emaAfterOne = readEmaFile(join(first.outDir, 'last'));
    expectSameWeights(readWeightsFile(join(first.outDir, 'best')), emaAfterOne.weights);
    const resumed = await run({ emaDecay: 0.8 }, { resume: join(first.outDir, 'last'), outDir: first.outDir });
    expect(resumed.result.epochsCompleted).toBe(2);

    const lastDir = join(straight.outDir, 'last');
    const ema = readEmaFile(lastDir);
    // One update per step: the same number of steps each epoch.
    expect(ema.updates).toBe(2 * emaAfterOne.updates);
    expect(emaAfterOne.updates).toBeGreaterThan(0);
    // The raw weights are those of the run without an average: averaging never touches training.
    expectSameWeights(readWeightsFile(lastDir), readWeightsFile(join(plain.outDir, 'last')));
    expect(existsSync(join(plain.outDir, 'last', 'ema.bin'))).toBe(false);
    expect(JSON.parse(readFileSync(join(plain.outDir, 'last', 'checkpoint.json'), 'utf8')).ema).toBeUndefined();
    // The resumed run's average and raw weights are those of the uninterrupted one, bit for bit.
    const resumedEma = readEmaFile(join(first.outDir, 'last'));
    expect(resumedEma.updates).toBe(ema.updates);
    expectSameWeights(resumedEma.weights, ema.weights);
    expectSameWeights(readWeightsFile(join(first.outDir, 'last')), readWeightsFile(lastDir));

    // `best` holds the average of its epoch.
    const best = readWeightsFile(join(straight.outDir, 'best'));
    expectSameWeights(best, straight.result.bestEpoch === 2 ? ema.weights : emaAfterOne.weights);
    const raw = readWeightsFile(lastDir);
    const bestValues = [...best.values()];
    expect([...raw.values()].some((v, k) => !Buffer.from(v.buffer).equals(Buffer.from(bestValues[k]!.buffer)))).toBe(true);

    // Eval of the best checkpoint (what `seg-studio eval` loads) sees the weights validation saw.
    const splits = splitSamples(await importDataset(fixture, { valFraction: 0.1, seed: 7 }));
    const loaded = await loadCheckpoint(join(straight.outDir, 'best'));
    const evalOpts = { size: 32, batchSize: 4 };
    const valid = await evaluateModel(loaded.model, splits.valid.length > 0 ? splits.valid : splits.train, evalOpts);
    expect(valid.dice).toBe(straight.result.bestValidDice);
    const test = await evaluateModel(loaded.model, splits.test, evalOpts);
    expect(test.dice).toBe(straight.result.testDice);
    loaded.model.dispose();
    // The raw weights score otherwise: the recorded validation was not of them.
    const lastModel = await loadCheckpoint(lastDir);
    lastModel.optimizerWeights?.forEach((w) => w.tensor.dispose());
    const rawValid = await evaluateModel(lastModel.model, splits.valid.length > 0 ? splits.valid : splits.train, evalOpts);
    expect(rawValid.dice).not.toBe(straight.result.history[1]!.validDice);
    lastModel.model.dispose();
  }, 60_000);
});
