// Seeded train/valid/test assignment. Each id gets a sort key from an Rng seeded by the split
// seed and the id itself, so the order does not depend on listing order, and adding or removing
// one file moves at most a few others between splits.
import { Rng } from '../util/rng';
import type { Split } from '../types';

function hashString(s: string): number {
  // FNV-1a: only needs to spread ids over 32 bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Ids in a seeded, listing-independent random order. */
export function seededOrder(ids: readonly string[], seed: number): string[] {
  const keyed = ids.map((id) => ({ id, key: new Rng((seed ^ hashString(id)) >>> 0).next() }));
  keyed.sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.id);
}

/**
 * How many of n items a fraction takes: rounded, but at least one when the fraction is positive
 * and there are two or more items (a tiny dataset still gets a validation image), and never so
 * many that nothing is left for `reserve` other items.
 */
export function fractionCount(n: number, fraction: number, reserve = 1): number {
  if (fraction <= 0 || n < 2) return 0;
  return Math.min(Math.max(1, Math.round(n * fraction)), Math.max(0, n - reserve));
}

/** Splits trainval ids into train and valid. */
export function splitTrainValid(ids: readonly string[], valFraction: number, seed: number): Map<string, Split> {
  const order = seededOrder(ids, seed);
  const nValid = fractionCount(order.length, valFraction);
  return new Map(order.map((id, i) => [id, i < nValid ? 'valid' : 'train'] as const));
}

/** Splits everything into train, valid and test (no official split available). */
export function splitAll(ids: readonly string[], valFraction: number, testFraction: number, seed: number): Map<string, Split> {
  const order = seededOrder(ids, seed);
  const nTest = fractionCount(order.length, testFraction, 2);
  // Both fractions are of everything; train keeps at least one item.
  const nValid = Math.max(0, Math.min(fractionCount(order.length, valFraction), order.length - nTest - 1));
  return new Map(order.map((id, i) => [id, i < nTest ? 'test' : i < nTest + nValid ? 'valid' : 'train'] as const));
}
