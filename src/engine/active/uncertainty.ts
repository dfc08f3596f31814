// Per-image uncertainty of a plain (non-interactive) model's probability map, for ranking the
// photos nobody has labeled yet. Per-pixel scores reduced to one number per image by the mean
// (the `reduction="mean"` of baal's heuristics).
//
// Two measures:
// - `meanPq`: mean of p·(1−p) over the pixels (0 confident everywhere, 0.25 all at 0.5). The
//   default: it uses every pixel and is continuous, so two confident models' photos still rank
//   apart by how confident, and it is the expected Bernoulli variance (what a Brier-style loss pays).
// - `nearHalfShare`: share of pixels with |p−0.5| < 0.2. A hard count: a photo whose doubtful
//   pixels all sit at 0.72 scores 0 like a perfect one, and many photos tie at 0 once the model is
//   sure, so the ranking falls back to file order. Kept because it reads as "how much of the image
//   is in doubt" in the UI.

/** The measure the queue ranks by unless asked otherwise. */
export const DEFAULT_UNCERTAINTY = 'meanPq' as const;
export type UncertaintyMeasure = 'meanPq' | 'nearHalfShare';

/** |p − 0.5| below this counts as "near 0.5" for nearHalfShare. */
export const NEAR_HALF_BAND = 0.2;

export interface UncertaintyScore {
  meanPq: number;
  nearHalfShare: number;
}

export function uncertaintyOf(probs: Float32Array): UncertaintyScore {
  if (probs.length === 0) throw new Error('uncertainty of an empty probability map');
  let pq = 0;
  let near = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    // A NaN from a broken model must not rank first or last silently.
    if (!Number.isFinite(p)) throw new Error(`probability map has a non-finite value at pixel ${i}`);
    pq += p * (1 - p);
    if (Math.abs(p - 0.5) < NEAR_HALF_BAND) near++;
  }
  return { meanPq: pq / probs.length, nearHalfShare: near / probs.length };
}
