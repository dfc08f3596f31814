// Run-length form of a 0/1 mask (row-major): alternating run lengths starting with background, as
// the label editor's drafts keep them (renderer/labeling/mask-draft.ts). Used where a mask crosses
// the contract often and must be cheap at both ends: labeling.click answers once per click, and a
// 500×375 pet mask is a few hundred runs against ~190k pixels.

export function encodeMaskRuns(data: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let value = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ? 1 : 0;
    if (v === value) n++;
    else {
      runs.push(n);
      value = v;
      n = 1;
    }
  }
  runs.push(n);
  return runs;
}

/** The mask of `length` pixels, or null when the runs do not add up to exactly `length` whole pixels. */
export function decodeMaskRuns(runs: readonly number[], length: number): Uint8Array | null {
  const out = new Uint8Array(length);
  let at = 0;
  for (let r = 0; r < runs.length; r++) {
    const n = runs[r]!;
    if (!Number.isInteger(n) || n < 0 || at + n > length) return null;
    if (r % 2 === 1) out.fill(1, at, at + n);
    at += n;
  }
  return at === length ? out : null;
}
