// Writes a file that must not exist yet, atomically: temp file in the same folder, fsync, then a
// hard link to the final name (which fails if the name exists, so a file appearing meanwhile is
// not replaced either), then the temp name is removed. Where the filesystem has no hard links
// (FAT/exFAT drives) it checks the name and renames instead.
import { existsSync, linkSync, renameSync, unlinkSync } from 'node:fs';
import { writeSyncedTempBeside } from '../util/synced-temp-file';

export function writeNewFileAtomic(path: string, data: Uint8Array): void {
  const tmp = writeSyncedTempBeside(path, data);
  const exists = () => new Error(`${path}: already exists; not replaced`);
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || existsSync(path)) {
      unlinkSync(tmp);
      throw exists();
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') {
      unlinkSync(tmp);
      throw err;
    }
    renameSync(tmp, path);
    return;
  }
  unlinkSync(tmp);
}
