// Per-image scores of the labeling queue on hand-made maps whose answers are worked out here.
import { describe, expect, it } from 'vitest';
import { uncertaintyOf } from '../src/engine/active/uncertainty';
import { AGREE, LABEL_ONLY, PREDICTION_ONLY, labelDisagreement } from '../src/engine/active/disagreement';
import { rankByDisagreement, rankByUncertainty, randomOrder } from '../src/engine/active/rank';
import { normalizedCurveArea, checkSimulationCounts } from '../src/engine/active/simulate-labeling';

describe('uncertainty', () => {
  it('mean p(1−p) and the share of pixels within 0.2 of 0.5', () => {
    // 0.5·0.5 + 0.6·0.4 + 0.9·0.1 + 0 = 0.25 + 0.24 + 0.09 = 0.58, over 4 pixels.
    const u = uncertaintyOf(Float32Array.from([0.5, 0.6, 0.9, 1]));
    expect(u.meanPq).toBeCloseTo(0.58 / 4, 6);
    expect(u.nearHalfShare).toBe(0.5);
    expect(uncertaintyOf(Float32Array.from([0, 1, 1, 0])).meanPq).toBe(0);
  });
  it('refuses a map with NaN instead of ranking it anywhere', () => {
    expect(() => uncertaintyOf(Float32Array.from([0.2, Number.NaN]))).toThrow(/non-finite value at pixel 1/);
  });
});

describe('disagreement', () => {
  it('Dice of the label and the thresholded prediction, with a difference mask', () => {
    const label = Uint8Array.from([1, 1, 1, 0, 0, 0]);
    const probs = Float32Array.from([0.9, 0.8, 0.2, 0.7, 0.1, 0.5]);
    // prediction (p > 0.5) = 1 1 0 1 0 0 → intersection 2, |L| 3, |P| 3 → Dice 4/6.
    const d = labelDisagreement(label, probs);
    expect(d.dice).toBeCloseTo(4 / 6, 10);
    expect(d.disagreement).toBeCloseTo(2 / 6, 10);
    expect([...d.diff]).toEqual([AGREE, AGREE, LABEL_ONLY, PREDICTION_ONLY, AGREE, AGREE]);
    expect(labelDisagreement(new Uint8Array(3), new Float32Array(3)).dice).toBe(1);
  });
});

describe('ranking and the simulation arithmetic', () => {
  it('ranks by score, ties by id, and random order is a seeded permutation', () => {
    const s = [
      { id: 'b', meanPq: 0.1, nearHalfShare: 0.5, disagreement: 0.2 },
      { id: 'a', meanPq: 0.1, nearHalfShare: 0.1, disagreement: 0.9 },
      { id: 'c', meanPq: 0.2, nearHalfShare: 0, disagreement: 0 },
    ];
    expect(rankByUncertainty(s).map((x) => x.id)).toEqual(['c', 'a', 'b']);
    expect(rankByUncertainty(s, 'nearHalfShare').map((x) => x.id)).toEqual(['b', 'a', 'c']);
    expect(rankByDisagreement(s).map((x) => x.id)).toEqual(['a', 'b', 'c']);
    const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
    expect(randomOrder(ids, 3)).toEqual(randomOrder([...ids].reverse(), 3));
    expect(randomOrder(ids, 3)).not.toEqual(randomOrder(ids, 4));
    expect([...randomOrder(ids, 3)].sort()).toEqual([...ids].sort());
  });
  it('curve area over the label range, and count checks naming the numbers', () => {
    // (0.5+0.7)/2·20 + (0.7+0.8)/2·20 = 12 + 15 = 27, over 40.
    expect(normalizedCurveArea([20, 40, 60], [0.5, 0.7, 0.8])).toBeCloseTo(27 / 40, 12);
    expect(() => checkSimulationCounts({ start: 4, step: 4, until: 12, pool: 9 })).toThrow('--until 12 is more than the 9 labeled training images');
    expect(() => checkSimulationCounts({ start: 0, step: 4, until: 8, pool: 9 })).toThrow(/--start/);
  });
});
