// Loss, metric, schedule and optimiser against values worked out by hand.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { bceLoss, diceLoss, diceScore, diceScorePerImage, DatasetDice, DICE_EPS } from '../src/engine/train/losses';
import { cosineLr } from '../src/engine/train/lr-schedule';
import { createAdam, getLearningRate, setLearningRate } from '../src/engine/train/optimizer';

describe('loss and metric', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  // Two 2×2 images. Image 0: y = [1,0,1,0], p = [0.9,0.2,0.6,0.1]. Image 1: y all 0, p = [0.3,0.7,0.1,0.1].
  const y = tf.tensor4d([1, 0, 1, 0, 0, 0, 0, 0], [2, 2, 2, 1]);
  const p = tf.tensor4d([0.9, 0.2, 0.6, 0.1, 0.3, 0.7, 0.1, 0.1], [2, 2, 2, 1]);

  it('BCE is the mean of −[y log p + (1−y) log(1−p)] over all pixels', () => {
    const terms = [-Math.log(0.9), -Math.log(0.8), -Math.log(0.6), -Math.log(0.9), -Math.log(0.7), -Math.log(0.3), -Math.log(0.9), -Math.log(0.9)];
    const expected = terms.reduce((a, b) => a + b) / 8;
    expect(bceLoss(y, p).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('Dice loss is 1 − mean over images of (2Σyp + ε)/(Σy + Σp + ε)', () => {
    const d0 = (2 * (0.9 + 0.6) + DICE_EPS) / (2 + 1.8 + DICE_EPS);
    const d1 = (0 + DICE_EPS) / (0 + 1.2 + DICE_EPS);
    expect(diceLoss(y, p).dataSync()[0]).toBeCloseTo(1 - (d0 + d1) / 2, 5);
  });

  it('Dice score thresholds at 0.5, per image, and counts both-empty as 1', () => {
    // Image 0: hard = [1,0,1,0] → Dice 1. Image 1: hard = [0,1,0,0], y empty → 0.
    expect(Array.from(diceScorePerImage(y, p).dataSync())).toEqual([1, 0]);
    expect(diceScore(y, p).dataSync()[0]).toBeCloseTo(0.5, 6);
    const empty = tf.zeros([1, 2, 2, 1]);
    expect(diceScore(empty, tf.fill([1, 2, 2, 1], 0.1)).dataSync()[0]).toBe(1);
    // Half overlap: y = [1,1,0,0], hard = [1,0,1,0] → 2·1/(2+2) = 0.5.
    expect(diceScore(tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]), tf.tensor4d([0.8, 0.4, 0.6, 0], [1, 2, 2, 1])).dataSync()[0]).toBeCloseTo(0.5, 6);
  });

  it('dataset-level Dice pools pixels before the ratio', () => {
    const acc = new DatasetDice();
    acc.add([1, 0, 1, 0], [1, 0, 1, 0]); // inter 2, den 4
    acc.add([0, 0, 0, 0], [0, 1, 0, 0]); // inter 0, den 1
    expect(acc.value()).toBeCloseTo((2 * 2) / 5, 10);
  });
});

describe('schedule and optimiser', () => {
  it('cosine annealing per epoch matches PyTorch CosineAnnealingLR', () => {
    expect(cosineLr(0, 10, 1e-3)).toBeCloseTo(1e-3, 12);
    expect(cosineLr(5, 10, 1e-3)).toBeCloseTo(5e-4, 12);
    expect(cosineLr(10, 10, 1e-3)).toBeCloseTo(0, 12);
    expect(cosineLr(2, 4, 1e-3, 1e-4)).toBeCloseTo(1e-4 + (9e-4 * (1 + Math.cos(Math.PI / 2))) / 2, 12);
  });

  it('one Adam step equals the hand computation, and a learning-rate change keeps the moments', async () => {
    await tf.setBackend('cpu');
    const w = tf.variable(tf.tensor1d([1, -2]));
    const opt = createAdam(0.1);
    // loss = Σ w² → grad = 2w = [2, −4]. Step 1: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g²,
    // update = lr · m̂ / (√v̂ + ε) = 0.1 · sign(g) (ε = 1e-8 is negligible).
    opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
    const after1 = Array.from(w.dataSync());
    expect(after1[0]).toBeCloseTo(0.9, 5);
    expect(after1[1]).toBeCloseTo(-1.9, 5);
    // Step 2 at lr 0.01: g = [1.8, −3.8]; m = 0.9·0.1·g1 + 0.1·g2; v = 0.999·0.001·g1² + 0.001·g2².
    setLearningRate(opt, 0.01);
    expect(getLearningRate(opt)).toBe(0.01);
    opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
    const g1 = [2, -4];
    const g2 = [1.8, -3.8];
    const expected = [0, 1].map((i) => {
      const m = 0.9 * 0.1 * g1[i]! + 0.1 * g2[i]!;
      const v = 0.999 * 0.001 * g1[i]! ** 2 + 0.001 * g2[i]! ** 2;
      const mHat = m / (1 - 0.9 ** 2);
      const vHat = v / (1 - 0.999 ** 2);
      return after1[i]! - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8);
    });
    const after2 = Array.from(w.dataSync());
    expect(after2[0]).toBeCloseTo(expected[0]!, 5);
    expect(after2[1]).toBeCloseTo(expected[1]!, 5);
  });
});
