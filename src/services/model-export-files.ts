// Writing an exported model without losing anything already there: the files a model export
// would create are checked first, and an existing one is refused (CONFLICT, nothing written)
// unless the caller asked to overwrite; then each replaced file is first kept in .versions/.
// Shared by the app/HTTP operation (exports-service.ts) and `seg-studio export`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError } from '../shared/contract';
import { writeNewFileAtomic } from '../engine/infer/write-new-file';
import { replaceKeepingVersion } from './atomic-write';

/** The checkpoint files that make up a usable tfjs model: everything but the optimizer state. */
export function tfjsModelFiles(checkpointDir: string): string[] {
  return readdirSync(checkpointDir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'optimizer.bin' && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** CONFLICT naming the files that exist, unless `overwrite` (`how`: how the user asks for it). */
export function refuseExistingModelFiles(paths: string[], overwrite: boolean, how: string): void {
  if (overwrite) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length === 0) return;
  throw new StudioError(
    'CONFLICT',
    `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. Choose another name or folder, or ${how} (the replaced files are kept in .versions/).`,
  );
}

/** Writes one file: new and atomic (refused if it appeared meanwhile), or replacing with a kept version. */
export function writeModelFile(path: string, bytes: Uint8Array, overwrite: boolean): string | null {
  if (overwrite) return replaceKeepingVersion(path, bytes);
  writeNewFileAtomic(path, bytes);
  return null;
}

/** Copies a checkpoint's model files (not the optimizer state) into `folder`. */
export function copyTfjsModel(checkpointDir: string, folder: string, overwrite: boolean, how: string): string[] {
  const names = tfjsModelFiles(checkpointDir);
  refuseExistingModelFiles(names.map((n) => join(folder, n)), overwrite, how);
  for (const n of names) writeModelFile(join(folder, n), readFileSync(join(checkpointDir, n)), overwrite);
  return names;
}
