// The generic layout: images/NAME.ext with masks/NAME.png (0/1 or 0/255). A photo without a
// mask is kept as an unlabeled sample (it can be annotated in the studio or predicted on).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SkippedFile } from '../types';
import type { Candidate, LayoutScan } from './layout-types';
import { listFiles } from './list-files';

export function isGenericLayout(root: string): boolean {
  return existsSync(join(root, 'images')) && existsSync(join(root, 'masks'));
}

export async function scanGeneric(root: string): Promise<LayoutScan> {
  const masks = new Map<string, string>();
  const skipped: SkippedFile[] = [];
  for (const f of await listFiles(join(root, 'masks'))) {
    // Prefer NAME.png when a mask exists in several formats; others are reported, not guessed.
    const existing = masks.get(f.stem);
    if (existing) {
      skipped.push({ file: f.path, reason: `another mask already has the name ${f.stem}` });
      continue;
    }
    masks.set(f.stem, f.path);
  }
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const f of await listFiles(join(root, 'images'))) {
    if (seen.has(f.stem)) {
      skipped.push({ file: f.path, reason: `another image already has the name ${f.stem}` });
      continue;
    }
    seen.add(f.stem);
    candidates.push({ id: f.stem, imagePath: f.path, maskPath: masks.get(f.stem) });
  }
  // A mask no photo claims is reported rather than dropped silently (a renamed or missing photo).
  for (const [stem, path] of masks) {
    if (!seen.has(stem)) skipped.push({ file: path, reason: `mask without a photo (no images/${stem}.* file)` });
  }
  return { layout: 'generic', encoding: 'binary', candidates, skipped, hasOfficialSplit: false };
}
