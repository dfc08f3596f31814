// Orders images for the queue. Highest score first; ties broken by id so a ranking is the same
// on every machine (baal's `reorder_indices`, without its random shuffle of a share of the ranks).
import type { ImageScore } from './score-images';
import { DEFAULT_UNCERTAINTY, type UncertaintyMeasure } from './uncertainty';
import { Rng } from '../util/rng';

export type QueueKind = 'unlabeled' | 'review';
export type Strategy = 'uncertainty' | 'random';

function byScoreThenId(score: (s: ImageScore) => number) {
  return (a: ImageScore, b: ImageScore) => score(b) - score(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Unlabeled photos: most uncertain first. */
export function rankByUncertainty(scores: ImageScore[], measure: UncertaintyMeasure = DEFAULT_UNCERTAINTY): ImageScore[] {
  return [...scores].sort(byScoreThenId((s) => s[measure]));
}

/** Labeled photos: the label the model disagrees with most first. */
export function rankByDisagreement(scores: ImageScore[]): ImageScore[] {
  const missing = scores.find((s) => s.disagreement === undefined);
  if (missing) throw new Error(`image ${missing.id} has no disagreement score (is it labeled?)`);
  return [...scores].sort(byScoreThenId((s) => s.disagreement!));
}

/** A seeded random order of ids: the baseline strategy of the simulation. */
export function randomOrder(ids: readonly string[], seed: number): string[] {
  return new Rng(seed).shuffle([...ids].sort());
}
