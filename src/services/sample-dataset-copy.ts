// The bundled sample dataset ships inside the app (resources/sample-dataset): read-only in a
// packaged app and replaced on every update. Saving a mask writes into the dataset's folder (and
// keeps `.versions/` beside it), so the studio never opens that folder itself: the first start
// copies it into the user's data folder and opens the copy.
import { cpSync, existsSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sampleDatasetDir } from '../engine/data/resolve-data-path';
import type { DatasetSummary } from '../shared/contract';

/** Where the first start puts the user's own copy of the sample. */
export function sampleCopyDir(dataFolder: string): string {
  return join(dataFolder, 'datasets', 'sample-dataset');
}

/**
 * Copies the bundled sample into the data folder and returns the copy's folder. A copy already
 * there (an earlier start that stopped before importing it) is reused as it is, since the user may
 * have edited it; a non-empty folder that is not a copy of the sample is left alone and the copy
 * goes beside it. The copy is made under a temporary name and renamed, so a half-written copy is
 * never taken for a whole one.
 */
export function copySampleDataset(dataFolder: string, source: string = sampleDatasetDir()): string {
  const base = sampleCopyDir(dataFolder);
  for (let n = 1; ; n++) {
    const dest = n === 1 ? base : `${base}-${n}`;
    if (existsSync(dest) && readdirSync(dest).length > 0) {
      if (existsSync(join(dest, 'images')) && existsSync(join(dest, 'annotations'))) return dest;
      continue;
    }
    const partial = `${dest}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(source, partial, { recursive: true, errorOnExist: true, force: false });
    rmSync(dest, { recursive: true, force: true }); // an empty folder only (checked above)
    renameSync(partial, dest);
    return dest;
  }
}

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * Data folders from before this rule opened the bundled folder itself. Their sample dataset is
 * moved to a copy in the data folder (same dataset id, so its runs and predictions stay linked);
 * the bundled folder is not touched. Returns the new root, or null when there was nothing to move.
 */
export async function moveBundledSampleOut(
  dataFolder: string,
  datasets: { list(): DatasetSummary[]; relocate(input: { datasetId: number; newPath: string; valFraction: number; seed: number }): Promise<unknown> },
  source: string = sampleDatasetDir(),
): Promise<string | null> {
  const bundled = datasets.list().find((d) => sameFolder(d.root, source));
  if (!bundled) return null;
  const copy = copySampleDataset(dataFolder, source);
  // The first start split the sample with these settings: the same ones keep the same splits.
  await datasets.relocate({ datasetId: bundled.id, newPath: copy, valFraction: 0.1, seed: 42 });
  return copy;
}
