// OpenCV's BORDER_REFLECT_101 ("gfedcb|abcdefgh|gfedcba"): the edge pixel is not repeated.
// Used by Rotate (reference border mode) and GaussianBlur (OpenCV's default border).
export function reflect101(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let r = i % period;
  if (r < 0) r += period;
  return r < n ? r : period - r;
}
