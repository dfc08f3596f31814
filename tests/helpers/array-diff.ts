// Largest magnitudes and largest element-wise gaps of flat arrays, for the parity tests that
// compare the studio's numbers with PyTorch's.
import { expect } from 'vitest';

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** The largest |a[i] − b[i]|; the two must have the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * The largest |a[i] − b[i]| relative to the reference `b`'s largest magnitude, for comparing two
 * backends; an all-zero reference fails, since it would make the comparison vacuous.
 */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const err = maxAbsDiff(a, b);
  const scale = maxAbs(b);
  expect(scale).toBeGreaterThan(0);
  return err / scale;
}

/** Deterministic values in [−0.5, 0.5) from a seed (a 32-bit LCG): the same inputs on every backend. */
export function seededUniform(shape: number[], seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}
