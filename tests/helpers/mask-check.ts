// Runs tests/helpers/mask_check.py (PIL + numpy, /usr/bin/python3): the independent reader the
// tests score written mask files with. It shares no code with the studio.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const MASK_CHECKER = resolve(__dirname, 'mask_check.py');

export interface MaskToCheck {
  mask: string;
  /** How the written file encodes the pet: 'binary' (any value > 0) or 'trimap' (1 or 3). */
  maskEncoding?: 'binary' | 'trimap';
  /** The ground truth to score against, and its encoding (default trimap). */
  truth: string;
  truthEncoding?: 'binary' | 'trimap';
  /** The photo the mask belongs to (its size is reported). */
  photo: string;
}

export interface CheckedMask {
  mask: string;
  /** PIL's mode: 'L' for 8-bit grey. */
  mode: string;
  bands: number;
  size: [number, number];
  photoSize: [number, number];
  /** Distinct pixel values. */
  values: number[];
  dice: number;
}

function run<T>(cmd: 'dice' | 'upsample', items: unknown[]): T {
  const dir = mkdtempSync(join(tmpdir(), 'mask-check-'));
  try {
    writeFileSync(join(dir, 'items.json'), JSON.stringify({ items }));
    return JSON.parse(execFileSync(PYTHON, [MASK_CHECKER, cmd, join(dir, 'items.json')], { encoding: 'utf8' })) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads mask files back and scores each against its truth. */
export function readBackMasks(items: MaskToCheck[]): { items: CheckedMask[]; meanDice: number } {
  return run('dice', items.map((i) => ({ maskEncoding: 'binary', truthEncoding: 'trimap', ...i })));
}

/** torch's bilinear resize of probability maps, thresholded, against written masks. */
export function compareWithTorchResize(items: Array<{ probs: string; size: number; mask: string }>): {
  items: Array<{ mask: string; width: number; height: number; mismatches: number; maxMargin: number; foreground: number }>;
} {
  return run('upsample', items);
}
