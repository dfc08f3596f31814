// COCO run-length encoding of a binary mask, as pycocotools writes it (common/maskApi.c): runs
// are counted down the COLUMNS (Fortran order: y fastest), start with a run of zeros (0 when the
// first pixel is set), and alternate zeros/ones. The compressed `counts` string packs each count
// as 5-bit groups with a continuation bit, offset by 48 (characters '0'..'o'); from the fourth
// count on (index > 2, a quirk of the reference kept for byte-identical output) it stores the
// difference to the count two back, which keeps long masks short.
import type { BinaryMask } from '../../types';

/** `segmentation` of a COCO annotation in compressed-RLE form: size is [height, width]. */
export interface CocoRle {
  size: [number, number];
  counts: string;
}

/** Run lengths of a 0/1 row-major mask, read column by column, first run = zeros. */
export function rleCounts(mask: BinaryMask): number[] {
  const { width, height, data } = mask;
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0, i = x; y < height; y++, i += width) {
      const v = data[i] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** maskApi.c's rleToString: signed 5-bit groups, least significant first, continuation bit 0x20, +48. */
export function rleCountsToString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    for (;;) {
      // Arithmetic shift without JavaScript's 32-bit wrap: floor division keeps the sign.
      const c = x - Math.floor(x / 32) * 32;
      x = Math.floor(x / 32);
      const more = c & 0x10 ? x !== -1 : x !== 0;
      out += String.fromCharCode((more ? c | 0x20 : c) + 48);
      if (!more) break;
    }
  }
  return out;
}

/** Foreground pixels: the sum of the odd (ones) runs, as rleArea computes it. */
export function rleArea(counts: readonly number[]): number {
  let a = 0;
  for (let i = 1; i < counts.length; i += 2) a += counts[i]!;
  return a;
}

export function encodeCocoRle(mask: BinaryMask): CocoRle {
  if (mask.data.length !== mask.width * mask.height) throw new Error(`mask has ${mask.data.length} pixels, expected ${mask.width}×${mask.height}`);
  return { size: [mask.height, mask.width], counts: rleCountsToString(rleCounts(mask)) };
}
