// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of
// Sampled Functions", 2012): two passes of the 1-D lower envelope of parabolas, O(pixels).
// The click simulator needs, for every pixel of an error region, its distance to the region's
// boundary: the interior-most point is where a person would click.

/** Stands in for +∞ in the squared distances: finite, so envelope intersections stay defined. */
const FAR = 1e20;

/** Squared distances of one row or column in place: f[i] ← min_j (i−j)² + f[j]. */
function envelope1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    while (s <= z[k]!) {
      k--;
      s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const dq = q - v[k]!;
    d[q] = dq * dq + f[v[k]!]!;
  }
  for (let q = 0; q < n; q++) f[q] = d[q]!;
}

/**
 * For each pixel of `mask` (non-zero = inside), the Euclidean distance to the nearest pixel
 * outside it; 0 outside. The image is surrounded by a one-pixel ring counted as outside (RITM
 * pads the error masks the same way), so the image border is a boundary too: a region touching
 * the border has distance 1 at the border pixels, not "infinitely far from any boundary".
 */
export function distanceToBoundary(mask: Uint8Array, width: number, height: number): Float32Array {
  if (mask.length !== width * height) throw new Error(`distanceToBoundary: mask has ${mask.length} pixels, expected ${width}×${height}`);
  const W = width + 2;
  const H = height + 2;
  const g = new Float64Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = x > 0 && y > 0 && x <= width && y <= height && mask[(y - 1) * width + (x - 1)] !== 0;
      g[y * W + x] = inside ? FAR : 0;
    }
  }
  const n = Math.max(W, H);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let x = 0; x < W; x++) {
    for (let y = 0; y < H; y++) f[y] = g[y * W + x]!;
    envelope1d(f, H, d, v, z);
    for (let y = 0; y < H; y++) g[y * W + x] = f[y]!;
  }
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) f[x] = g[row + x]!;
    envelope1d(f, W, d, v, z);
    for (let x = 0; x < W; x++) g[row + x] = f[x]!;
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = Math.sqrt(g[(y + 1) * W + (x + 1)]!);
  }
  return out;
}
