// The standard numbers of interactive segmentation (RITM's compute_noc_metric): for each image,
// the number of clicks (NoC) until the IoU first reaches a threshold, counted as the click cap
// when it never does; averaged over images, with how many never reached it.

/** Clicks needed for `ious` (IoU after click 1, 2, …) to reach `threshold`; maxClicks if never. */
export function clicksToReach(ious: readonly number[], threshold: number, maxClicks: number): { clicks: number; reached: boolean } {
  const limit = Math.min(ious.length, maxClicks);
  for (let k = 0; k < limit; k++) if (ious[k]! >= threshold) return { clicks: k + 1, reached: true };
  return { clicks: maxClicks, reached: false };
}

export interface NocSummary {
  /** Mean over images of the clicks to reach the threshold (capped at maxClicks). */
  noc: number;
  /** Images that did not reach it within maxClicks. */
  neverReached: number;
}

export function nocSummary(perImageIous: ReadonlyArray<readonly number[]>, threshold: number, maxClicks: number): NocSummary {
  if (perImageIous.length === 0) return { noc: 0, neverReached: 0 };
  let sum = 0;
  let never = 0;
  for (const ious of perImageIous) {
    const r = clicksToReach(ious, threshold, maxClicks);
    sum += r.clicks;
    if (!r.reached) never++;
  }
  return { noc: sum / perImageIous.length, neverReached: never };
}
