// The training loop itself: events, metrics per epoch, best checkpoint, flat tensor memory
// across epochs (no leak per step or per epoch), and cancellation keeping finished epochs.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { train } from '../src/engine/train/train';
import { parseRunConfig } from '../src/shared/run-config';
import { readCheckpointMeta } from '../src/engine/train/checkpoint';
import type { TrainEvent } from '../src/engine/train/train-events';

const fixture = resolve(__dirname, 'fixtures', 'oxford-mini');

describe('training loop', () => {
  it('keeps tensor memory flat across epochs and writes per-epoch metrics and checkpoints', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'seg-train-'));
    const config = parseRunConfig({ data: fixture, model: 'unet', base: 4, size: 32, epochs: 4, batchSize: 4, learningRate: 3e-3, seed: 3 });
    const memory: Array<{ numTensors: number; numBytes: number }> = [];
    const events: TrainEvent[] = [];
    const result = await train({
      config,
      outDir,
      previewCount: 2,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'epoch') memory.push({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
      },
    });
    expect(result.epochsCompleted).toBe(4);
    expect(result.history.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    // Epoch 1 creates the optimizer's moment tensors; from then on nothing may accumulate.
    expect(memory[2]).toEqual(memory[1]);
    expect(memory[3]).toEqual(memory[1]);
    for (const m of result.history) {
      for (const v of [m.trainDice, m.validDice]) expect(v).toBeGreaterThanOrEqual(0);
      for (const v of [m.trainBce, m.validBce, m.trainDiceLoss, m.validDiceLoss, m.seconds]) expect(Number.isFinite(v)).toBe(true);
    }
    // Cosine schedule: the rate falls every epoch.
    expect(result.history[3]!.learningRate).toBeLessThan(result.history[0]!.learningRate);
    expect(events.some((e) => e.type === 'progress' && e.phase === 'train')).toBe(true);
    const preview = events.find((e) => e.type === 'preview');
    expect(preview && preview.type === 'preview' && preview.samples[0]!.mask.length).toBe(32 * 32);
    expect(readCheckpointMeta(join(outDir, 'best')).bestValidDice).toBeCloseTo(result.bestValidDice, 10);
    expect(readCheckpointMeta(join(outDir, 'last')).epoch).toBe(4);
  });

  it('cancelling keeps the finished epochs and their checkpoint', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'seg-train-'));
    const config = parseRunConfig({ data: fixture, model: 'unet', base: 4, size: 32, epochs: 50, batchSize: 2, seed: 4 });
    const ctl = new AbortController();
    const result = await train({
      config,
      outDir,
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.metrics.epoch === 1) ctl.abort();
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.epochsCompleted).toBe(1);
    expect(existsSync(join(outDir, 'last', 'checkpoint.json'))).toBe(true);
  });
});
