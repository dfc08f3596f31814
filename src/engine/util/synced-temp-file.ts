// The first half of every atomic write here: the bytes go to a fresh temp file beside the target
// (same folder, so the final rename or link stays on one filesystem) and are fsynced before any
// name points at them, so a crash leaves the old file or the new one, never a torn one.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to a new hidden temp file next to `path`, synced to disk; returns the temp file's path. */
export function writeSyncedTempBeside(path: string, data: Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  const fd = openSync(tmp, 'wx');
  try {
    let off = 0;
    while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}
