// Test-time augmentation (engine/infer/tta.ts), checked against what the test computes itself:
// the model's plain answers (tfjs-layers' own predict, not the compiled plan) for the photos and
// for mirror images the test flips with its own loop, mirrored back and averaged by the test.
// Then eval and predict, where it is on by default, must tell one story: the files predict writes, read back by
// tests/helpers/mask_check.py (PIL + numpy), score what eval reports; and the app's predictions
// (predictions.run, also on by default) store the same Dice.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../src/engine/train/train';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import { predictPhotoBatches } from '../src/engine/infer/predict';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import { decodeImage } from '../src/engine/data/decode';
import { selectBackend } from '../src/engine/backend/select-backend';
import { parseRunConfig } from '../src/shared/run-config';
import { buildModel } from '../src/engine/models/build-model';
import { recordCliRun } from '../src/services/cli-run-recorder';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import { readBackMasks } from './helpers/mask-check';
import { maxAbsDiff } from './helpers/array-diff';
import { predictProbabilities } from '../src/engine/infer/tta';
import type { DatasetImportResult, Envelope, PredictionResult } from '../src/shared/contract';

const execFileP = promisify(execFile);
const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const MINI = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'tta-'));
const dbPath = join(work, 'data', 'studio.db');
const dataset = join(work, 'oxford-mini');
const runDir = join(work, 'data', 'runs', 'tta');
const SIZE = 64;
const stems = readdirSync(join(MINI, 'images')).map((n) => n.replace(/\.jpg$/, '')).sort();
const photoOf = (stem: string) => join(dataset, 'images', `${stem}.jpg`);
const truthOf = (stem: string) => join(MINI, 'annotations', 'trimaps', `${stem}.png`);

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const res = await execFileP(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, SEG_STUDIO_DB: dbPath }, maxBuffer: 64 << 20 });
  const lines = res.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** The test's own mirror of an NHWC float batch along its width. */
function mirror(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let col = 0; col < w; col++)
        for (let k = 0; k < c; k++) out[((i * h + y) * w + (w - 1 - col)) * c + k] = x[((i * h + y) * w + col) * c + k]!;
  return out;
}

let runId: number;
let services: StudioServices;

beforeAll(async () => {
  cpSync(MINI, dataset, { recursive: true });
  // A small real model in a few seconds (no augmentation, so it has no reason to be mirror-symmetric).
  const config = parseRunConfig({ data: dataset, model: 'unet', base: 8, size: SIZE, batchSize: 4, learningRate: 3e-3, epochs: 8, seed: 3, augment: { enabled: false } });
  const recorder = recordCliRun({ dbPath, config, outDir: runDir, name: 'tta test' });
  runId = recorder.runId;
  recorder.finish(await train({ config, outDir: runDir, onEvent: (e) => recorder.onEvent(e) }));
  services = createStudioServices({ dbPath, recover: false });
}, 300_000);

afterAll(() => {
  services?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('test-time augmentation', () => {
  it("equals the mean of the model's plain answers for the photo and its mirror image, mirrored back by the test", async () => {
    await selectBackend('auto');
    const ckpt = await loadCheckpoint(join(runDir, 'best'));
    try {
      const paths = stems.slice(0, 6).map(photoOf);
      const px = SIZE * SIZE;
      const x = new Float32Array(paths.length * px * 3);
      for (const [i, p] of paths.entries()) modelInputFromImage(await decodeImage(p), SIZE, x, i * px * 3);
      const plainOf = (input: Float32Array) =>
        tf.tidy(() => (ckpt.model.predict(tf.tensor4d(input, [paths.length, SIZE, SIZE, 3])) as tf.Tensor).dataSync() as Float32Array);
      const plain = plainOf(x);
      const mirroredBack = mirror(plainOf(mirror(x, paths.length, SIZE, SIZE, 3)), paths.length, SIZE, SIZE, 1);
      const expected = plain.map((v, i) => (v + mirroredBack[i]!) / 2);

      const got = new Float32Array(paths.length * px);
      const gotPlain = new Float32Array(paths.length * px);
      for (const [tta, into] of [[true, got], [false, gotPlain]] as const) {
        for await (const b of predictPhotoBatches(ckpt.model, SIZE, paths, { batchSize: 4, tta })) {
          for (const p of b.predicted) into.set(p.probabilities, paths.indexOf(p.path) * px);
        }
      }
      expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);
      // The model is not mirror-symmetric, so the averaged answer is not the plain one.
      expect(maxAbsDiff(gotPlain, expected)).toBeGreaterThan(1e-3);
    } finally {
      ckpt.model.dispose();
    }
  }, 60_000);

  it('eval, predict and the app’s predictions use it by default and agree, read back independently; --no-tta turns it off', async () => {
    const out = join(work, 'predict-tta');
    const [evalTta, evalPlain, predicted] = [
      await cli(['eval', '--data', dataset, '--checkpoint', join(runDir, 'best'), '--split', 'all', '--json']),
      await cli(['eval', '--data', dataset, '--checkpoint', join(runDir, 'best'), '--split', 'all', '--no-tta', '--json']),
      await cli(['predict', '--checkpoint', join(runDir, 'best'), '--input', join(dataset, 'images'), '--out', out, '--json']),
    ];
    expect([evalTta.tta, evalPlain.tta]).toEqual([true, false]);
    expect(predicted.written).toBe(stems.length);
    type PerImage = Array<{ id: string; dice: number; diceAtPhotoSize: number }>;
    const perTta = evalTta.perImage as PerImage;
    const perPlain = evalPlain.perImage as PerImage;
    const read = readBackMasks(stems.map((s) => ({ mask: join(out, `${s}.png`), truth: truthOf(s), photo: photoOf(s) })));
    for (const [i, m] of read.items.entries()) {
      const e = perTta.find((p) => p.id === stems[i])!;
      expect(Math.abs(m.dice - e.diceAtPhotoSize), stems[i]).toBeLessThan(1e-9);
    }
    // Exactly eval's Dice at the photos' own sizes (what written files score; its Dice at the
    // model's 64² differs by the resize alone, ~0.02 for a model this young).
    expect(Math.abs(read.meanDice - (evalTta.diceAtPhotoSize as number))).toBeLessThan(1e-9);
    // The flag reached evaluation: some photo scores differently with and without it.
    expect(perTta.some((p) => Math.abs(p.diceAtPhotoSize - perPlain.find((q) => q.id === p.id)!.diceAtPhotoSize) > 1e-6)).toBe(true);

    const open = (await services.dispatch('datasets', 'open', { path: dataset })) as Envelope<DatasetImportResult>;
    if (!open.ok) throw new Error(open.error.message);
    const env = (await services.dispatch('predictions', 'run', { runId, datasetId: open.result.dataset.id, split: 'test' })) as Envelope<PredictionResult>;
    if (!env.ok) throw new Error(env.error.message);
    expect(env.result.items.length).toBeGreaterThan(0);
    for (const item of env.result.items) {
      expect(Math.abs(item.dice - perTta.find((p) => p.id === item.sampleId)!.diceAtPhotoSize), item.sampleId).toBeLessThan(1e-9);
    }
  }, 120_000);

  describe('multi-scale (--tta-sizes)', () => {
    const SIZES = [48, 64, 96];

    it("equals the mean over sizes of the mirror-averaged answers of models the test rebuilds at each size, resized back by tfjs' own bilinear", async () => {
      await selectBackend('auto');
      const ckpt = await loadCheckpoint(join(runDir, 'best'));
      try {
        const paths = stems.slice(0, 4).map(photoOf);
        const photos = await Promise.all(paths.map((p) => decodeImage(p)));
        const n = paths.length;
        const expected = new Float32Array(n * SIZE * SIZE);
        for (const s of SIZES) {
          // The test's own model at size s: built by the studio's builder (not from the layer
          // config, as the engine does), given the checkpoint's weights, run by tfjs-layers.
          const m = buildModel({ model: 'unet', base: 8, size: s, seed: 0 });
          m.setWeights(ckpt.model.getWeights());
          const x = new Float32Array(n * s * s * 3);
          photos.forEach((p, i) => modelInputFromImage(p, s, x, i * s * s * 3));
          const answer = (input: Float32Array) => tf.tidy(() => (m.predict(tf.tensor4d(input, [n, s, s, 3])) as tf.Tensor).dataSync() as Float32Array);
          const plain = answer(x);
          const back = mirror(answer(mirror(x, n, s, s, 3)), n, s, s, 1);
          const mean = plain.map((v, i) => (v + back[i]!) / 2);
          const resized = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(mean, [n, s, s, 1]), [SIZE, SIZE], false, true).dataSync() as Float32Array);
          resized.forEach((v, i) => (expected[i]! += v / SIZES.length));
          m.dispose();
        }
        const got = new Float32Array(n * SIZE * SIZE);
        const single = new Float32Array(n * SIZE * SIZE);
        for (const [ttaSizes, into] of [[SIZES, got], [undefined, single]] as const) {
          for await (const b of predictPhotoBatches(ckpt.model, SIZE, paths, { batchSize: 4, tta: true, ttaSizes })) {
            for (const p of b.predicted) into.set(p.probabilities, paths.indexOf(p.path) * SIZE * SIZE);
          }
        }
        expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);
        expect(maxAbsDiff(single, expected)).toBeGreaterThan(1e-3);

        // Without the photos (a click-to-segment model's batch has channels no photo gives), the
        // batch itself is resized to each size: tfjs' own bilinear as the reference there too.
        const x64 = new Float32Array(n * SIZE * SIZE * 3);
        photos.forEach((p, i) => modelInputFromImage(p, SIZE, x64, i * SIZE * SIZE * 3));
        const fromBatch = tf.tidy(() => predictProbabilities(ckpt.model, tf.tensor4d(x64, [n, SIZE, SIZE, 3]), { sizes: [48, 96] }).dataSync() as Float32Array);
        const expectedFromBatch = new Float32Array(n * SIZE * SIZE);
        for (const s of [48, 96]) {
          const m = buildModel({ model: 'unet', base: 8, size: s, seed: 0 });
          m.setWeights(ckpt.model.getWeights());
          const back = tf.tidy(() => {
            const xs = tf.image.resizeBilinear(tf.tensor4d(x64, [n, SIZE, SIZE, 3]), [s, s], false, true);
            return tf.image.resizeBilinear(m.predict(xs) as tf.Tensor4D, [SIZE, SIZE], false, true).dataSync() as Float32Array;
          });
          back.forEach((v, i) => (expectedFromBatch[i]! += v / 2));
          m.dispose();
        }
        expect(maxAbsDiff(fromBatch, expectedFromBatch)).toBeLessThan(1e-5);
      } finally {
        ckpt.model.dispose();
      }
      // The twins built for the other sizes went with the model.
      expect(tf.memory().numTensors).toBeLessThan(50);
    }, 60_000);

    it('eval, predict and the app’s predictions agree on it, read back independently; a size the model cannot take is refused, named', async () => {
      const out = join(work, 'predict-multiscale');
      const sizes = SIZES.join(',');
      const evalMs = await cli(['eval', '--data', dataset, '--checkpoint', join(runDir, 'best'), '--split', 'all', '--tta-sizes', sizes, '--json']);
      const evalOne = await cli(['eval', '--data', dataset, '--checkpoint', join(runDir, 'best'), '--split', 'all', '--json']);
      const predicted = await cli(['predict', '--checkpoint', join(runDir, 'best'), '--input', join(dataset, 'images'), '--out', out, '--tta-sizes', sizes, '--json']);
      // "auto": 0.875×, 1× and 1.5× the training size, rounded to multiples of 16: 56 → 64, so 64 and 96.
      const evalAuto = await cli(['eval', '--data', dataset, '--checkpoint', join(runDir, 'best'), '--split', 'all', '--tta-sizes', 'auto', '--json']);
      expect(evalAuto.ttaSizes).toEqual([64, 96]);
      expect(evalMs.ttaSizes).toEqual(SIZES);
      expect(evalOne.ttaSizes).toEqual([SIZE]);
      expect(predicted.written).toBe(stems.length);
      type PerImage = Array<{ id: string; diceAtPhotoSize: number }>;
      const perMs = evalMs.perImage as PerImage;
      const perOne = evalOne.perImage as PerImage;
      const read = readBackMasks(stems.map((s) => ({ mask: join(out, `${s}.png`), truth: truthOf(s), photo: photoOf(s) })));
      for (const [i, m] of read.items.entries()) {
        expect(Math.abs(m.dice - perMs.find((p) => p.id === stems[i])!.diceAtPhotoSize), stems[i]).toBeLessThan(1e-9);
      }
      expect(perMs.some((p) => Math.abs(p.diceAtPhotoSize - perOne.find((q) => q.id === p.id)!.diceAtPhotoSize) > 1e-6)).toBe(true);

      const open = (await services.dispatch('datasets', 'open', { path: dataset })) as Envelope<DatasetImportResult>;
      if (!open.ok) throw new Error(open.error.message);
      const datasetId = open.result.dataset.id;
      const env = (await services.dispatch('predictions', 'run', { runId, datasetId, split: 'test', ttaSizes: SIZES })) as Envelope<PredictionResult>;
      if (!env.ok) throw new Error(env.error.message);
      expect(env.result.items.length).toBeGreaterThan(0);
      for (const item of env.result.items) {
        expect(Math.abs(item.dice - perMs.find((p) => p.id === item.sampleId)!.diceAtPhotoSize), item.sampleId).toBeLessThan(1e-9);
      }
      const auto = (await services.dispatch('predictions', 'run', { runId, datasetId, split: 'test', ttaSizes: 'auto' })) as Envelope<PredictionResult>;
      if (!auto.ok) throw new Error(auto.error.message);
      const perAuto = evalAuto.perImage as PerImage;
      for (const item of auto.result.items) {
        expect(Math.abs(item.dice - perAuto.find((p) => p.id === item.sampleId)!.diceAtPhotoSize), item.sampleId).toBeLessThan(1e-9);
      }

      await expect(cli(['eval', '--data', dataset, '--checkpoint', join(runDir, 'best'), '--tta-sizes', '64,72', '--json'])).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--tta-sizes: test-time size 72: a unet model takes multiples of 16/),
      });
      await expect(cli(['predict', '--checkpoint', join(runDir, 'best'), '--input', join(dataset, 'images'), '--out', join(work, 'never'), '--tta-sizes', '64,x', '--json'])).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--tta-sizes: test-time sizes must be "auto" or whole numbers/),
      });
      const bad = (await services.dispatch('predictions', 'run', { runId, datasetId, split: 'test', ttaSizes: [64, 40] })) as Envelope<PredictionResult>;
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.message).toMatch(/test-time size 40: a unet model takes multiples of 16/);
    }, 180_000);
  });
});
