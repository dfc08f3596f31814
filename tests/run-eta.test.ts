// The run page's speed and time left (renderer/src/pages/runs/run-eta.ts) on a synthetic run
// whose timing is known exactly: 4 training batches of 2 images per epoch, one every 0.5 s, then
// a 3 s validation pass; 10 epochs. Expected numbers are worked out by hand below.
import { describe, expect, it } from 'vitest';
import { RunEta, trainingSeconds } from '../src/renderer/src/pages/runs/run-eta';
import type { EpochMetricsRow } from '../src/shared/contract';

const BATCH = 2;
const BATCHES = 4;
const EPOCHS = 10;
const SPB = 0.5; // seconds per batch
const VALID = 3; // seconds of validation per epoch
const EPOCH_SECONDS = BATCHES * SPB + VALID; // 5 s

function metricsRow(epoch: number): EpochMetricsRow {
  return {
    epoch,
    trainDice: 0.5, trainBce: 0.5, trainDiceLoss: 0.5, validDice: 0.5, validBce: 0.5, validDiceLoss: 0.5,
    learningRate: 1e-3,
    seconds: EPOCH_SECONDS,
    imagesPerSecond: (BATCHES * BATCH) / (BATCHES * SPB), // 4 img/s
  };
}

/** Feeds epochs 1..n fully (train batches, then validation), returning the clock (ms). */
function feed(eta: RunEta, epochs: number, t0 = 0): number {
  let t = t0;
  for (let e = 1; e <= epochs; e++) {
    for (let b = 1; b <= BATCHES; b++) {
      t += SPB * 1000;
      eta.add({ runId: 1, phase: 'train', epoch: e, epochs: EPOCHS, batch: b, batches: BATCHES, imagesPerSecond: 0, etaSeconds: Number.NaN }, t);
    }
    eta.add({ runId: 1, phase: 'valid', epoch: e, epochs: EPOCHS, batch: 1, batches: 1, imagesPerSecond: 1, etaSeconds: 0 }, t + 1);
    t += VALID * 1000;
  }
  return t;
}

describe('run ETA', () => {
  it('averages the rate across epochs (not only the one in progress) and covers the whole run', () => {
    const eta = new RunEta();
    let t = feed(eta, 3);
    // Epoch 4, batch 2 of 4.
    for (let b = 1; b <= 2; b++) {
      t += SPB * 1000;
      eta.add({ runId: 1, phase: 'train', epoch: 4, epochs: EPOCHS, batch: b, batches: BATCHES, imagesPerSecond: 0, etaSeconds: Number.NaN }, t);
    }
    const left = eta.timeLeft(t, BATCH, [1, 2, 3].map(metricsRow));
    // 2 images per 0.5 s, whatever the engine's per-epoch meter says (0 here).
    expect(left.imagesPerSecond).toBeCloseTo(4, 9);
    // Epoch: 2 batches × 0.5 s + 3 s validation = 4 s. Run: 4 s + 6 epochs × 5 s = 34 s.
    expect(left.epochSeconds).toBeCloseTo(4, 9);
    expect(left.runSeconds).toBeCloseTo(34, 9);
    expect(left.fraction).toBeCloseTo(3.5 / 10, 9);
    // Training time: three 5 s epochs plus the 1 s of epoch 4 so far.
    expect(trainingSeconds([1, 2, 3].map(metricsRow)) + eta.epochElapsed(t, 3)).toBeCloseTo(16, 9);
    // Once epoch 4's row is in, its duration counts and the live part is not added twice.
    expect(eta.epochElapsed(t, 4)).toBe(0);
  });

  it('during validation counts down the validation pass measured on the last epoch', () => {
    const eta = new RunEta();
    let t = feed(eta, 2);
    for (let b = 1; b <= BATCHES; b++) {
      t += SPB * 1000;
      eta.add({ runId: 1, phase: 'train', epoch: 3, epochs: EPOCHS, batch: b, batches: BATCHES, imagesPerSecond: 0, etaSeconds: Number.NaN }, t);
    }
    eta.add({ runId: 1, phase: 'valid', epoch: 3, epochs: EPOCHS, batch: 1, batches: 1, imagesPerSecond: 1, etaSeconds: 0 }, t);
    const left = eta.timeLeft(t + 1000, BATCH, [1, 2].map(metricsRow));
    // 3 s validation, 1 s of it gone: 2 s; then 7 epochs × 5 s.
    expect(left.epochSeconds).toBeCloseTo(2, 9);
    expect(left.runSeconds).toBeCloseTo(37, 9);
  });

  it('uses the last epoch\u2019s speed before it has seen two batches, and says nothing before any epoch', () => {
    const fresh = new RunEta();
    fresh.add({ runId: 1, phase: 'train', epoch: 1, epochs: EPOCHS, batch: 1, batches: BATCHES, imagesPerSecond: 0, etaSeconds: Number.NaN }, 0);
    expect(fresh.timeLeft(0, BATCH, []).runSeconds).toBeNull();
    // Opened while epoch 6 trains, one batch seen, five epochs in the record.
    const opened = new RunEta();
    opened.add({ runId: 1, phase: 'train', epoch: 6, epochs: EPOCHS, batch: 1, batches: BATCHES, imagesPerSecond: 0, etaSeconds: Number.NaN }, 0);
    const left = opened.timeLeft(0, BATCH, [1, 2, 3, 4, 5].map(metricsRow));
    expect(left.imagesPerSecond).toBeNull();
    expect(left.epochSeconds).toBeCloseTo(3 * SPB + VALID, 9);
    expect(left.runSeconds).toBeCloseTo(3 * SPB + VALID + 4 * EPOCH_SECONDS, 9);
  });

  it('a slow start leaves the 30 s window', () => {
    const eta = new RunEta();
    // Epoch 1 at 5 s a batch (warm-up), then epochs at 0.5 s a batch for well over 30 s.
    let t = 0;
    for (let b = 1; b <= BATCHES; b++) {
      t += 5000;
      eta.add({ runId: 1, phase: 'train', epoch: 1, epochs: 100, batch: b, batches: BATCHES, imagesPerSecond: 0, etaSeconds: Number.NaN }, t);
    }
    t = feed(eta, 0, t);
    for (let e = 2; e <= 20; e++) {
      for (let b = 1; b <= BATCHES; b++) {
        t += SPB * 1000;
        eta.add({ runId: 1, phase: 'train', epoch: e, epochs: 100, batch: b, batches: BATCHES, imagesPerSecond: 0, etaSeconds: Number.NaN }, t);
      }
      t += VALID * 1000;
    }
    expect(eta.secondsPerBatch(t)).toBeCloseTo(SPB, 9);
  });
});
