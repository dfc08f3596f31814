// Loss, metric, schedule and optimiser against values worked out by hand on tiny tensors.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { bceDiceLoss, bceDiceLossParts, bceLoss, diceLoss, BCE_CLIP, DICE_EPS } from '../src/engine/train/losses';
import { DatasetDice, diceScore, diceScorePerImage } from '../src/engine/train/metrics';
import { cosineLr } from '../src/engine/train/lr-schedule';
import { createAdam, getLearningRate, restoreAdam, setLearningRate } from '../src/engine/train/optimizer';

const num = (t: tf.Tensor) => t.dataSync()[0]!;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('loss', () => {
  // Two 2×2 images. Image 0: y = [1,0,1,0], p = [0.9,0.2,0.6,0.1]. Image 1: y all 0, p = [0.3,0.7,0.1,0.1].
  const y = tf.tensor4d([1, 0, 1, 0, 0, 0, 0, 0], [2, 2, 2, 1]);
  const p = tf.tensor4d([0.9, 0.2, 0.6, 0.1, 0.3, 0.7, 0.1, 0.1], [2, 2, 2, 1]);
  // −[y log p + (1−y) log(1−p)] per pixel, in the order above.
  const bceByHand =
    [-Math.log(0.9), -Math.log(0.8), -Math.log(0.6), -Math.log(0.9), -Math.log(0.7), -Math.log(0.3), -Math.log(0.9), -Math.log(0.9)].reduce((a, b) => a + b) / 8;
  // Image 0: Σyp = 0.9 + 0.6, Σy = 2, Σp = 1.8. Image 1: Σyp = 0, Σy = 0, Σp = 1.2.
  const d0 = (2 * (0.9 + 0.6) + DICE_EPS) / (2 + 1.8 + DICE_EPS);
  const d1 = (0 + DICE_EPS) / (0 + 1.2 + DICE_EPS);
  const diceLossByHand = 1 - (d0 + d1) / 2;

  it('BCE is the mean of −[y log p + (1−y) log(1−p)] over all pixels', () => {
    expect(num(bceLoss(y, p))).toBeCloseTo(bceByHand, 5);
  });

  it('BCE clips saturated probabilities: finite loss and finite (zero) gradient at p = 0 or 1', () => {
    const yt = tf.tensor4d([1, 0], [1, 1, 2, 1]);
    const ps = tf.tensor4d([0, 1], [1, 1, 2, 1]);
    const loss = num(bceLoss(yt, ps));
    // Both pixels are completely wrong; each costs about −log(1e-7) ≈ 16.1 instead of ∞.
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(15.5);
    expect(loss).toBeLessThanOrEqual(-Math.log(BCE_CLIP) + 1e-3);
    const g = tf.grad((q: tf.Tensor) => bceLoss(yt, q))(ps).dataSync();
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
  });

  it('Dice loss is 1 − mean over images of (2Σyp + ε)/(Σy + Σp + ε)', () => {
    expect(num(diceLoss(y, p))).toBeCloseTo(diceLossByHand, 5);
    // Both masks empty: (0 + ε)/(0 + ε) = 1 → loss 0, not NaN.
    expect(num(diceLoss(tf.zeros([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1])))).toBeCloseTo(0, 6);
  });

  it('BCE + Dice is the sum, and the parts variant reports the same three numbers', () => {
    expect(num(bceDiceLoss(y, p))).toBeCloseTo(bceByHand + diceLossByHand, 5);
    const parts = bceDiceLossParts(y, p);
    expect(num(parts.bce)).toBeCloseTo(bceByHand, 5);
    expect(num(parts.diceLoss)).toBeCloseTo(diceLossByHand, 5);
    expect(num(parts.loss)).toBeCloseTo(bceByHand + diceLossByHand, 5);
    tf.dispose([parts.loss, parts.bce, parts.diceLoss]);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    tf.dispose([bceLoss(y, p), diceLoss(y, p), bceDiceLoss(y, p), diceScore(y, p)]);
    const parts = bceDiceLossParts(y, p);
    tf.dispose([parts.loss, parts.bce, parts.diceLoss]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Dice metric', () => {
  const y = tf.tensor4d([1, 0, 1, 0, 0, 0, 0, 0], [2, 2, 2, 1]);
  const p = tf.tensor4d([0.9, 0.2, 0.6, 0.1, 0.3, 0.7, 0.1, 0.1], [2, 2, 2, 1]);

  it('thresholds at 0.5 per image, and counts both-empty as 1', () => {
    // Image 0: hard = [1,0,1,0] = y → 2·2/(2+2) = 1. Image 1: hard = [0,1,0,0], y empty → 2·0/(0+1) = 0.
    expect(Array.from(diceScorePerImage(y, p).dataSync())).toEqual([1, 0]);
    expect(num(diceScore(y, p))).toBeCloseTo(0.5, 6);
    // Both empty: nothing to find, nothing found → 1.
    expect(num(diceScore(tf.zeros([1, 2, 2, 1]), tf.fill([1, 2, 2, 1], 0.1)))).toBe(1);
    // y = [1,1,0,0], hard = [1,0,1,0] (0.5 itself is not above the threshold) → 2·1/(2+2) = 0.5.
    expect(num(diceScore(tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]), tf.tensor4d([0.8, 0.5, 0.6, 0], [1, 2, 2, 1])))).toBeCloseTo(0.5, 6);
    // Another threshold: at 0.15 image 1's hard mask is [1,1,0,0] → still 0; image 0's [1,1,1,0] → 2·2/(2+3).
    expect(Array.from(diceScorePerImage(y, p, 0.15).dataSync())).toEqual([expect.closeTo(0.8, 6), 0]);
  });

  it('dataset-level Dice pools pixels before the ratio (tensors and host arrays agree)', async () => {
    // Image 0: |A∩B| = 2, |A|+|B| = 4. Image 1: 0 and 1. Pooled: 2·2/5 = 0.8 (per-image mean is 0.5).
    const fromTensors = new DatasetDice();
    await fromTensors.add(y, p);
    expect(fromTensors.value()).toBeCloseTo(0.8, 10);
    expect(fromTensors.count).toBe(2);
    const fromArrays = new DatasetDice();
    fromArrays.addArrays([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.1]);
    fromArrays.addArrays([0, 0, 0, 0], [0.3, 0.7, 0.1, 0.1]);
    expect(fromArrays.value()).toBeCloseTo(0.8, 10);
    fromArrays.reset();
    expect(fromArrays.count).toBe(0);
    // A set with no foreground anywhere, predicted empty: 1 by the convention.
    fromArrays.addArrays([0, 0], [0.1, 0.2]);
    expect(fromArrays.value()).toBe(1);
    expect(() => fromArrays.addArrays([0, 0], [0.1])).toThrow(/pixels/);
  });
});

describe('schedule', () => {
  it('cosine annealing per epoch matches PyTorch CosineAnnealingLR', () => {
    // T_max = 10, eta_min = 0, lr0 = 1e-3: 1e-3·(1 + cos(π e/10))/2.
    expect(cosineLr(0, 10, 1e-3)).toBeCloseTo(1e-3, 15);
    expect(cosineLr(5, 10, 1e-3)).toBeCloseTo(5e-4, 15);
    expect(cosineLr(10, 10, 1e-3)).toBeCloseTo(0, 15);
    // T_max = 4, eta_min = 1e-4: 1e-4 + 9e-4·(1 + cos(π e/4))/2 with cos(π/4) = 0.70710678…
    const expected = [1e-3, 1e-4 + 9e-4 * 0.8535533905932737, 5.5e-4, 1e-4 + 9e-4 * 0.14644660940672627, 1e-4];
    expected.forEach((lr, e) => expect(cosineLr(e, 4, 1e-3, 1e-4)).toBeCloseTo(lr, 15));
    // Past T_max the rate stays at eta_min instead of climbing back up.
    expect(cosineLr(6, 4, 1e-3, 1e-4)).toBeCloseTo(1e-4, 15);
  });
});

describe('Adam', () => {
  const sumOfSquares = (w: tf.Variable) => () => tf.sum(tf.square(w)) as tf.Scalar;

  /**
   * Adam by hand for one coordinate: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ),
   * v̂ = v/(1−β₂ᵗ), w ← w − lr·m̂/(√v̂ + ε). tfjs keeps βᵗ as a float32 scalar, so the bias
   * correction uses float32 β (1 − fround(0.999) differs from 1e-3 by 1.3e-5 relative, visible at
   * 1e-5 in w); everything else is plain arithmetic.
   */
  function adamByHand(w0: number, grads: (w: number) => number, lrs: number[]): number[] {
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    let [w, m, v] = [w0, 0, 0];
    return lrs.map((lr, k) => {
      const t = k + 1;
      const g = grads(w);
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      const mHat = m / (1 - Math.fround(b1) ** t);
      const vHat = v / (1 - Math.fround(b2) ** t);
      w = w - (lr * mHat) / (Math.sqrt(vHat) + eps);
      return w;
    });
  }

  it('steps equal the hand computation, and a learning-rate change keeps the moments', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const opt = createAdam(1.5);
    // loss = Σ w² → g1 = 2w = [2, −4]. Step 1: m̂ = g1, v̂ = g1², so the update is lr·sign(g1):
    // w1 ≈ [1 − 1.5, −2 + 1.5] = [−0.5, −0.5].
    opt.minimize(sumOfSquares(w), false, [w]);
    const after1 = Array.from(w.dataSync());
    expect(after1[0]).toBeCloseTo(-0.5, 4);
    expect(after1[1]).toBeCloseTo(-0.5, 4);
    // Step 2 at lr 0.01 with g2 = 2·w1 ≈ [−1, −1]: the moments continue and t = 2. Coordinate 0:
    // m = 0.9·0.2 + 0.1·(−1) = 0.08 > 0, so the weight keeps falling although g2 < 0. A rebuilt
    // optimizer would restart at t = 1 and move every weight by +0.01 (−lr·sign(g2)).
    setLearningRate(opt, 0.01);
    expect(getLearningRate(opt)).toBe(0.01);
    opt.minimize(sumOfSquares(w), false, [w]);
    const after2 = Array.from(w.dataSync());
    [1, -2].forEach((w0, i) => {
      const [h1, h2] = adamByHand(w0, (x) => 2 * x, [1.5, 0.01]);
      expect(after1[i]).toBeCloseTo(h1!, 6);
      expect(after2[i]).toBeCloseTo(h2!, 6);
    });
    expect(after2[0]).toBeLessThan(after1[0]!); // a moment-less restart would have moved it up
    expect(() => setLearningRate(opt, Number.NaN)).toThrow(/learning rate/);
    opt.dispose();
    w.dispose();
  });

  it("uses PyTorch's eps 1e-8 (tfjs would default to 1e-7)", () => {
    // loss = 1e-8·w → g = 1e-8. Step 1: m̂ = g, √v̂ = |g| → update = lr · 1e-8/(1e-8 + ε) = lr/2 for
    // ε = 1e-8 (with ε = 1e-7 it would be lr/11).
    const w = tf.variable(tf.scalar(0));
    const opt = createAdam(0.1);
    opt.minimize(() => tf.mul(w, 1e-8) as tf.Scalar, false, [w]);
    expect(num(w)).toBeCloseTo(-0.05, 3);
    expect(opt.getConfig()['epsilon']).toBe(1e-8);
    opt.dispose();
    w.dispose();
  });

  it('getWeights/setWeights resume: a restored optimizer continues like an uninterrupted one', async () => {
    const steps = (opt: ReturnType<typeof createAdam>, w: tf.Variable, n: number) => {
      for (let i = 0; i < n; i++) opt.minimize(sumOfSquares(w), false, [w]);
    };
    // Uninterrupted: 3 steps.
    const wa = tf.variable(tf.tensor1d([1, -2]));
    const a = createAdam(0.1);
    steps(a, wa, 3);
    // Interrupted after 2: save the state, restore into a new optimizer, take step 3.
    const wb = tf.variable(tf.tensor1d([1, -2]));
    const b = createAdam(0.1);
    steps(b, wb, 2);
    const state = await b.getWeights();
    expect(state.map((s) => s.name)[0]).toBe('iter');
    expect(state.length).toBe(3); // iteration count, m and v of the one variable
    const resumed = await restoreAdam(0.1, state);
    state[0]!.tensor.dispose(); // the count is a fresh scalar; m and v belong to b
    b.dispose();
    expect(resumed.iterations).toBe(2);
    steps(resumed, wb, 1);
    // Not bit-identical: tfjs's setWeights recomputes the bias-correction powers as β^(t+1) in one
    // pow, where training multiplied by β once per step; the float32 results differ in the last
    // bit, which 1 − β₂^t (≈ 0.003) amplifies to a ~1e-6 relative change of this step.
    const ra = Array.from(wa.dataSync());
    const rb = Array.from(wb.dataSync());
    rb.forEach((v, i) => expect(v).toBeCloseTo(ra[i]!, 5));
    // Control: a fresh optimizer's third step moves each weight by lr = 0.1·sign(g) instead: ~5e-4 off.
    const wc = tf.variable(tf.tensor1d([1, -2]));
    const c = createAdam(0.1);
    steps(c, wc, 2);
    steps(createAdam(0.1), wc, 1);
    const rc = Array.from(wc.dataSync());
    rc.forEach((v, i) => expect(Math.abs(v - ra[i]!)).toBeGreaterThan(1e-4));
    [a, resumed, c].forEach((o) => o.dispose());
  });
});
