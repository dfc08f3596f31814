// Where mask files may be written by an export (the app's, over HTTP too, and `seg-studio
// predict`): never into a dataset's own photos or labels, and never over a file that is already
// there unless the user asked, in which case the replaced file is kept as a version (as saveMask
// does). Both checks run before the first file is written, so a refused export changes nothing.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StudioError } from '../shared/contract';
import type { DatasetLayout } from '../engine/types';
import { isOxfordLayout } from '../engine/data/oxford-layout';
import { isGenericLayout } from '../engine/data/generic-layout';
import { writeNewFileAtomic } from '../engine/infer/write-new-file';
import { replaceKeepingVersion } from './atomic-write';
import { isInside, realResolve } from './path-guard';

export interface DatasetFolders {
  root: string;
  layout: DatasetLayout;
}

/** The folders of a dataset that hold what its user made: the photos and the labels. */
export function ownFolders(d: DatasetFolders): Array<{ path: string; what: string }> {
  const labels = d.layout === 'oxford' ? join(d.root, 'annotations', 'trimaps') : join(d.root, 'masks');
  return [
    { path: labels, what: d.layout === 'oxford' ? 'trimap folder' : 'mask folder' },
    { path: join(d.root, 'images'), what: 'photo folder' },
  ];
}

/**
 * Datasets found on disk at `folder` or above it, by their layout: for the CLI, which has no
 * list of opened datasets but must still not write into one's trimaps.
 */
export function datasetsAround(folder: string): DatasetFolders[] {
  const found: DatasetFolders[] = [];
  let cur = realResolve(folder);
  for (;;) {
    if (isOxfordLayout(cur)) found.push({ root: cur, layout: 'oxford' });
    else if (isGenericLayout(cur)) found.push({ root: cur, layout: 'generic' });
    const parent = dirname(cur);
    if (parent === cur) return found;
    cur = parent;
  }
}

/**
 * PATH_REFUSED when `folder` (symlinks resolved) is, lies inside, or contains a dataset's photo
 * or label folder.
 */
export function refuseDatasetFolders(folder: string, datasets: DatasetFolders[]): void {
  const real = realResolve(folder);
  for (const d of datasets) {
    for (const own of ownFolders(d)) {
      let ownReal: string;
      try {
        ownReal = realResolve(own.path);
      } catch {
        continue; // a folder caught in a link loop holds nothing to protect
      }
      if (isInside(real, ownReal) || isInside(ownReal, real)) {
        const how = real === ownReal ? 'is' : isInside(real, ownReal) ? 'lies inside' : 'contains';
        throw new StudioError(
          'PATH_REFUSED',
          `${folder} ${how} the ${own.what} of the dataset at ${d.root} (${ownReal}); masks are not exported there, so its labels cannot be overwritten. Choose another folder.`,
        );
      }
    }
  }
}

/** CONFLICT naming the files that exist, unless the caller asked to overwrite (`how`: how to ask). */
export function refuseExistingFiles(paths: string[], overwrite: boolean, how = 'ask to overwrite'): void {
  if (overwrite) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length === 0) return;
  const shown = existing.slice(0, 3).join(', ') + (existing.length > 3 ? `, and ${existing.length - 3} more` : '');
  throw new StudioError(
    'CONFLICT',
    `${existing.length} of the ${paths.length} mask files already exist (${shown}); nothing was written. Choose an empty folder, or ${how} (the replaced files are kept in .versions/).`,
  );
}

/**
 * Writes one mask file: a new file atomically without replacing anything; with `overwrite`, an
 * existing file is first copied to `.versions/<stem>.v<N>.png`. Returns that copy's path, if any.
 */
export function writeMaskFile(path: string, bytes: Uint8Array, overwrite: boolean): string | null {
  if (overwrite) return replaceKeepingVersion(path, bytes);
  writeNewFileAtomic(path, bytes);
  return null;
}
