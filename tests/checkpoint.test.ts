// Checkpoints: layers-format round trip, optimizer state round trip, and the crash-safety
// promise (a half-finished swap still leaves a readable checkpoint).
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint, readLayersModel } from '../src/engine/train/checkpoint';
import { parseRunConfig } from '../src/shared/run-config';

function tinyModel(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed }) }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.batchNormalization().apply(c) as tf.SymbolicTensor;
  const o = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(b) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: o });
}

const config = parseRunConfig({ data: 'sample', base: 8, size: 64, epochs: 3 });
const meta = (epoch: number) => ({ kind: 'last' as const, epoch, config, bestValidDice: 0.5, bestEpoch: epoch, history: [], backend: 'cpu' });

describe('checkpoints', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('round-trips weights (BatchNorm moving statistics included) and the optimizer state', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'last');
    const model = tinyModel(1);
    // Move BN statistics away from their initial values so the test sees them stored.
    const bn = model.layers[2]!;
    bn.setWeights(bn.getWeights().map((w) => tf.add(w, tf.randomUniform(w.shape, 0.1, 0.9, 'float32', 3))));
    const opt = tf.train.adam(0.01);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 5);
    opt.minimize(() => tf.mean(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false, vars);
    const optWeights = await opt.getWeights();
    await saveCheckpoint(dir, model, meta(2), optWeights);

    const loaded = await loadCheckpoint(dir);
    expect(loaded.meta.epoch).toBe(2);
    expect(loaded.meta.config.size).toBe(64);
    const a = model.getWeights();
    const b = loaded.model.getWeights();
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Array.from(b[i]!.dataSync())).toEqual(Array.from(a[i]!.dataSync()));
    expect(loaded.optimizerWeights!.map((w) => w.name)).toEqual(optWeights.map((w) => w.name));
    for (let i = 0; i < optWeights.length; i++)
      expect(Array.from(loaded.optimizerWeights![i]!.tensor.dataSync())).toEqual(Array.from(optWeights[i]!.tensor.dataSync()));
  });

  it('a crash between the swap renames leaves the previous checkpoint readable', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const dir = join(root, 'best');
    await saveCheckpoint(dir, tinyModel(1), meta(1));
    // Simulate the crash window: the old folder was renamed aside, the new one never arrived.
    renameSync(dir, `${dir}.old`);
    expect(readCheckpointMeta(dir).epoch).toBe(1);
    const loaded = await loadCheckpoint(dir);
    expect(loaded.meta.epoch).toBe(1);
    // The next save repairs the layout.
    await saveCheckpoint(dir, tinyModel(2), meta(2));
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
    expect(existsSync(`${dir}.old`)).toBe(false);
    expect(readCheckpointMeta(dir).epoch).toBe(2);
  });

  it('a folder without checkpoint.json is refused with the path named', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const dir = join(root, 'best');
    await saveCheckpoint(dir, tinyModel(1), meta(1));
    writeFileSync(join(dir, 'checkpoint.json'), '{not json');
    expect(() => readCheckpointMeta(dir)).toThrow(dir);
    await expect(loadCheckpoint(join(root, 'nothing-here'))).rejects.toThrow(/nothing-here/);
  });

  it('writes a model.json that TensorFlow.js reads as a layers model', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const dir = join(root, 'best');
    const model = tinyModel(4);
    await saveCheckpoint(dir, model, meta(1));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const again = await readLayersModel(dir);
    const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 9);
    const p1 = (model.predict(x) as tf.Tensor).dataSync();
    const p2 = (again.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < p1.length; i++) expect(p2[i]).toBeCloseTo(p1[i]!, 6);
  });
});
