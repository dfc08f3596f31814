// From the model's size×size probability map to a 0/1 mask at the photo's own size: bilinear
// interpolation of the probabilities (half-pixel centres, no antialiasing: the same sampling as
// PyTorch's F.interpolate(mode='bilinear', align_corners=False), so a reference can reproduce it),
// then the threshold eval uses (p > 0.5). Plain TypeScript over typed arrays: an image library's
// resize of a one-band raw buffer comes back with however many bands it chooses (sharp returns
// three), and a mask built from the wrong bytes is a striped mask.

/** Source index pairs and weights along one axis: out[i] = in[i0]·(1−w) + in[i1]·w. */
function axisTaps(inLen: number, outLen: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(outLen);
  const i1 = new Int32Array(outLen);
  const w = new Float32Array(outLen);
  const scale = inLen / outLen;
  for (let o = 0; o < outLen; o++) {
    // Half-pixel centres; a negative source coordinate clamps to the first sample (as PyTorch does).
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), inLen - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inLen - 1);
    w[o] = src - lo;
  }
  return { i0, i1, w };
}

/** Bilinear resize of a one-band float map (row-major, inWidth×inHeight) to width×height. */
export function resizeProbabilities(prob: Float32Array, inWidth: number, inHeight: number, width: number, height: number): Float32Array {
  if (prob.length !== inWidth * inHeight) {
    throw new Error(`probability map has ${prob.length} values, expected ${inWidth}×${inHeight}`);
  }
  const xs = axisTaps(inWidth, width);
  const ys = axisTaps(inHeight, height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r0 = ys.i0[y]! * inWidth;
    const r1 = ys.i1[y]! * inWidth;
    const wy = ys.w[y]!;
    for (let x = 0; x < width; x++) {
      const a = xs.i0[x]!;
      const b = xs.i1[x]!;
      const wx = xs.w[x]!;
      const top = prob[r0 + a]! * (1 - wx) + prob[r0 + b]! * wx;
      const bottom = prob[r1 + a]! * (1 - wx) + prob[r1 + b]! * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** Resizes a size×size probability map to width×height and thresholds it: 1 where p > 0.5. */
export function probabilitiesToMask(prob: Float32Array, size: number, width: number, height: number): Uint8Array {
  const resized = resizeProbabilities(prob, size, size, width, height);
  const mask = new Uint8Array(resized.length);
  for (let i = 0; i < mask.length; i++) mask[i] = resized[i]! > 0.5 ? 1 : 0;
  return mask;
}

/** Dice of two 0/1 masks of one size; both empty counts as 1 (as in evaluation). */
export function maskDice(pred: Uint8Array, truth: Uint8Array): number {
  if (pred.length !== truth.length) throw new Error(`masks differ in size (${pred.length} vs ${truth.length} pixels)`);
  let inter = 0;
  let sum = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]! ? 1 : 0;
    const t = truth[i]! ? 1 : 0;
    inter += p & t;
    sum += p + t;
  }
  return sum === 0 ? 1 : (2 * inter) / sum;
}
