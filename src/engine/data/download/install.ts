// Moves freshly extracted folders into DEST with renames only (same filesystem, so each is
// atomic), keeping the previous dataset aside until the caller confirms the new one works.
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const DATASET_DIRS = ['images', 'annotations'] as const;

export interface Installed {
  /** Put the previous dataset back (used when the import of the new one fails). */
  rollback(): void;
  /** Delete the previous dataset for good. */
  commit(): void;
}

export function installDataset(dest: string, staged: string): Installed {
  const previous = DATASET_DIRS.some((d) => existsSync(join(dest, d))) ? mkdtempSync(join(dest, '.previous-')) : null;
  const movedOld: string[] = [];
  const movedNew: string[] = [];
  const rollback = () => {
    for (const d of movedNew) rmSync(join(dest, d), { recursive: true, force: true });
    for (const d of movedOld) renameSync(join(previous!, d), join(dest, d));
    if (previous) rmSync(previous, { recursive: true, force: true });
    movedNew.length = 0;
    movedOld.length = 0;
  };
  try {
    for (const d of DATASET_DIRS) {
      if (previous && existsSync(join(dest, d))) {
        renameSync(join(dest, d), join(previous, d));
        movedOld.push(d);
      }
    }
    for (const d of DATASET_DIRS) {
      renameSync(join(staged, d), join(dest, d));
      movedNew.push(d);
    }
  } catch (err) {
    rollback();
    throw new Error(`could not move the new dataset into ${dest}: ${(err as Error).message}; previous state restored`, { cause: err });
  }
  return {
    rollback,
    commit: () => {
      if (previous) rmSync(previous, { recursive: true, force: true });
    },
  };
}
