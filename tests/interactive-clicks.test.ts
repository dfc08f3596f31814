// The click simulator, the click encoding and the NoC arithmetic on small hand-made masks whose
// right answers are worked out by hand (comments give the working), plus a brute-force check
// of the distance transform.
import { describe, expect, it } from 'vitest';
import { distanceToBoundary } from '../src/engine/interactive/distance-transform';
import { maskIou, nextEvaluationClick, sampleCorrectionClick, sampleFirstClick } from '../src/engine/interactive/click-simulator';
import { encodeInteractiveInput } from '../src/engine/interactive/click-encoding';
import { modelToPhotoClick, photoToModelClick } from '../src/engine/interactive/clicks';
import { clicksToReach, nocSummary } from '../src/engine/interactive/noc';
import { simulateClickSession } from '../src/engine/interactive/evaluate-interactive';
import { Rng } from '../src/engine/util/rng';

const S = 40;

/** 0/1 mask of S×S with the rectangle [x0,x1)×[y0,y1) set. */
function rect(x0: number, y0: number, x1: number, y1: number, size = S): Uint8Array {
  const m = new Uint8Array(size * size);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * size + x] = 1;
  return m;
}

describe('distance to the boundary', () => {
  it('equals the brute-force Euclidean distance to the nearest outside pixel (border ring counts as outside)', () => {
    const rng = new Rng(7);
    const w = 13, h = 9;
    const m = new Uint8Array(w * h).map(() => (rng.next() < 0.75 ? 1 : 0));
    const d = distanceToBoundary(m, w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let best = Infinity;
        if (m[y * w + x]) {
          for (let yy = -1; yy <= h; yy++) {
            for (let xx = -1; xx <= w; xx++) {
              const outside = xx < 0 || yy < 0 || xx >= w || yy >= h || !m[yy * w + xx];
              if (outside) best = Math.min(best, Math.hypot(xx - x, yy - y));
            }
          }
        } else best = 0;
        expect(d[y * w + x]).toBeCloseTo(best, 5);
      }
    }
  });
});

describe('evaluation clicks (RITM protocol)', () => {
  it('a square missed object gets a positive click at its centre', () => {
    // Object [11,20)×[5,14): 9×9, centre pixel (15, 9), distance 5 to the outside; unique maximum.
    const truth = rect(11, 5, 20, 14);
    expect(nextEvaluationClick(truth, new Uint8Array(S * S), S)).toEqual({ x: 15, y: 9, positive: true });
  });

  it('a thick false-positive ring gets a negative click in the ring', () => {
    // Object [14,26)²; prediction [4,36)², so the ring [4,36)² minus the object is false positive.
    // Along the sides the ring is 10 wide (max distance 5); its corners are thicker: in the top-left
    // one distance = min(x−3, y−3, |(x,y)−(14,14)|), which is 6 at (9,9), (10,9), (9,10) and below 6
    // elsewhere ((10,10): √32 ≈ 5.66). First in row-major order: (9, 9).
    const truth = rect(14, 14, 26, 26);
    const pred = rect(4, 4, 36, 36);
    const c = nextEvaluationClick(truth, pred, S)!;
    expect(c).toEqual({ x: 9, y: 9, positive: false });
    expect(pred[c.y * S + c.x]).toBe(1);
    expect(truth[c.y * S + c.x]).toBe(0);
  });

  it('treats the image border as a boundary: a band along the left edge is clicked in its middle, not at the edge', () => {
    // Missed band x in 0..9, all rows: distance = min(x+1, 10−x, y+1, 40−y), max 5 at x 4..5, rows 4..35.
    const truth = rect(0, 0, 10, S);
    expect(nextEvaluationClick(truth, new Uint8Array(S * S), S)).toEqual({ x: 4, y: 4, positive: true });
  });

  it('the thicker error decides the sign; equal thickness goes negative; no error gives no click', () => {
    // False negative 3 wide (max distance 2), false positive 7 wide (max 4): negative.
    const truth = rect(2, 2, 5, 30);
    const pred = rect(20, 2, 27, 30);
    expect(nextEvaluationClick(truth, pred, S)!.positive).toBe(false);
    // Swap the roles: now the missed part is thicker, so positive.
    expect(nextEvaluationClick(pred, truth, S)!.positive).toBe(true);
    // Both 5 wide: tie → negative (RITM: positive only when strictly farther).
    const a = rect(2, 2, 7, 30), b = rect(20, 2, 25, 30);
    expect(nextEvaluationClick(a, b, S)!.positive).toBe(false);
    expect(nextEvaluationClick(a, a, S)).toBeNull();
  });

  it('never clicks a pixel twice', () => {
    const truth = rect(11, 5, 20, 14);
    const clicked = new Uint8Array(S * S);
    clicked[9 * S + 15] = 1;
    const c = nextEvaluationClick(truth, new Uint8Array(S * S), S, clicked)!;
    // The next-deepest pixels (distance 4) are the centre's 4-neighbours... and the diagonal ones
    // are at least 4 too: the first in row-major order is (14, 8).
    expect(c).toEqual({ x: 14, y: 8, positive: true });
  });
});

describe('training clicks', () => {
  it('first clicks are positive, inside the object, in its inner part, and vary', () => {
    const truth = rect(10, 10, 30, 30);
    const rng = new Rng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = sampleFirstClick(truth, S, rng)!;
      expect(c.positive).toBe(true);
      // Inner part: distance > 10/1.7 ≈ 5.9, so at least 6 from the boundary: x, y in 15..24.
      expect(c.x).toBeGreaterThanOrEqual(15);
      expect(c.x).toBeLessThanOrEqual(24);
      expect(c.y).toBeGreaterThanOrEqual(15);
      expect(c.y).toBeLessThanOrEqual(24);
      seen.add(`${c.x},${c.y}`);
    }
    expect(seen.size).toBeGreaterThan(30);
  });

  it('an image without an object gets a negative first click', () => {
    const c = sampleFirstClick(new Uint8Array(S * S), S, new Rng(2))!;
    expect(c.positive).toBe(false);
  });

  it('correction clicks land in the thicker error, on its inner half', () => {
    const truth = rect(10, 10, 30, 30);
    const pred = rect(10, 10, 30, 18); // misses rows 18..29: 12 rows × 20, max distance 6
    const rng = new Rng(3);
    for (let i = 0; i < 100; i++) {
      const c = sampleCorrectionClick(truth, pred, S, rng)!;
      expect(c.positive).toBe(true);
      expect(truth[c.y * S + c.x]).toBe(1);
      expect(pred[c.y * S + c.x]).toBe(0);
      // distance > 3: rows 21..26, columns 13..26.
      expect(c.y).toBeGreaterThanOrEqual(21);
      expect(c.y).toBeLessThanOrEqual(26);
    }
    expect(sampleCorrectionClick(truth, truth, S, rng)).toBeNull();
  });
});

describe('click encoding', () => {
  it('writes RGB, click disks and the previous mask in HWC order', () => {
    const size = 8;
    const rgb = new Float32Array(size * size * 3).map((_, i) => i / 100);
    const prev = rect(0, 0, 2, 1, size); // pixels (0,0), (1,0)
    const out = new Float32Array(size * size * 6 + 5).fill(-9);
    encodeInteractiveInput(rgb, [{ x: 3, y: 3, positive: true }, { x: 0, y: 0, positive: false }], prev, size, 2, out, 5);
    expect(Array.from(out.subarray(0, 5))).toEqual([-9, -9, -9, -9, -9]);
    const at = (x: number, y: number, c: number) => out[5 + (y * size + x) * 6 + c]!;
    let pos = 0, neg = 0, pm = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) expect(at(x, y, c)).toBeCloseTo(rgb[(y * size + x) * 3 + c]!, 6);
        pos += at(x, y, 3);
        neg += at(x, y, 4);
        pm += at(x, y, 5);
      }
    }
    // Disk of radius 2: 13 pixels (dx²+dy² ≤ 4); at the corner only its quarter inside: 6.
    expect(pos).toBe(13);
    expect(at(3, 1, 3)).toBe(1);
    expect(at(4, 1, 3)).toBe(0);
    expect(neg).toBe(6);
    expect(at(2, 0, 4)).toBe(1);
    expect(at(1, 2, 4)).toBe(0);
    expect(pm).toBe(2);
    expect(at(1, 0, 5)).toBe(1);
  });

  it('refuses a click outside the input', () => {
    const out = new Float32Array(4 * 4 * 6);
    expect(() => encodeInteractiveInput(new Float32Array(48), [{ x: 4, y: 0, positive: true }], null, 4, 1, out)).toThrow(/click 1 at \(4, 0\).*4×4/);
  });

  it('maps photo clicks onto model pixels and back', () => {
    expect(photoToModelClick({ x: 0, y: 0, positive: true }, 500, 375, 64)).toEqual({ x: 0, y: 0, positive: true });
    expect(photoToModelClick({ x: 499.9, y: 374.9, positive: false }, 500, 375, 64)).toEqual({ x: 63, y: 63, positive: false });
    // Photo pixel 250 of 500 covers model [32.0, 32.128): pixel 32.
    expect(photoToModelClick({ x: 250, y: 187, positive: true }, 500, 375, 64)).toMatchObject({ x: 32, y: 32 });
    const back = modelToPhotoClick({ x: 32, y: 32, positive: true }, 500, 375, 64);
    expect(photoToModelClick(back, 500, 375, 64)).toMatchObject({ x: 32, y: 32 });
  });
});

describe('NoC', () => {
  it('counts clicks to a threshold, capped, with the images that never reach it', () => {
    expect(clicksToReach([0.5, 0.8, 0.86, 0.91], 0.85, 20)).toEqual({ clicks: 3, reached: true });
    expect(clicksToReach([0.5, 0.8, 0.86, 0.91], 0.9, 20)).toEqual({ clicks: 4, reached: true });
    expect(clicksToReach([0.5, 0.8], 0.9, 20)).toEqual({ clicks: 20, reached: false });
    // Reached only after the cap: does not count.
    expect(clicksToReach([0.1, 0.2, 0.95], 0.9, 2)).toEqual({ clicks: 2, reached: false });
    expect(nocSummary([[0.86], [0.5, 0.7, 0.9], [0.1]], 0.85, 20)).toEqual({ noc: (1 + 3 + 20) / 3, neverReached: 1 });
  });

  it('a click session on synthetic masks follows the hand-computed sequence', async () => {
    // Object [10,30)² in 40². A scripted "model" shows the top 4k rows of the object after click k,
    // so IoU = 4k/20 = 0.2, 0.4, 0.6, 0.8, 1.0: NoC@85 = NoC@90 = 5.
    const truth = rect(10, 10, 30, 30);
    const answer = async (clicks: readonly unknown[]) => {
      const rows = Math.min(20, 4 * clicks.length);
      const m = rect(10, 10, 30, 10 + rows);
      return Float32Array.from(m);
    };
    const s = await simulateClickSession(truth, S, { maxClicks: 20, stopIou: 0.9, minClicks: 5 }, answer);
    expect(s.ious.map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    // Click 1: nothing shown, the object's centre: distance 10 at x, y in 19..20, first (19, 19).
    // Click 2: rows 14..29 missed: distance min(x−9, 30−x, y−13, 30−y), max 8 at y 21..22, x 17..22: (17, 21).
    // Click 3: rows 18..29 missed: max 6 at y 23..24, x 15..24: (15, 23).
    expect(s.clicks.slice(0, 3)).toEqual([
      { x: 19, y: 19, positive: true },
      { x: 17, y: 21, positive: true },
      { x: 15, y: 23, positive: true },
    ]);
    expect(nocSummary([s.ious], 0.85, 20)).toEqual({ noc: 5, neverReached: 0 });
    // A "model" that never shows anything: 20 clicks, never reached, every click a new pixel.
    const none = await simulateClickSession(truth, S, { maxClicks: 20, stopIou: 0.9, minClicks: 5 }, async () => new Float32Array(S * S));
    expect(none.ious).toHaveLength(20);
    expect(new Set(none.clicks.map((c) => `${c.x},${c.y}`)).size).toBe(20);
    expect(nocSummary([s.ious, none.ious], 0.9, 20)).toEqual({ noc: (5 + 20) / 2, neverReached: 1 });
    expect(maskIou(truth, truth)).toBe(1);
  });
});
