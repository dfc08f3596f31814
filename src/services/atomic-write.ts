// Writes a file so that readers see the old bytes or the new ones, never a torn file: temp file
// in the same folder, fsync, rename over. The replaced file is kept as a numbered version.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { writeSyncedTempBeside } from '../engine/util/synced-temp-file';

export const VERSIONS_DIR = '.versions';

export function writeFileAtomic(path: string, data: Uint8Array): void {
  renameSync(writeSyncedTempBeside(path, data), path);
}

/** Earlier versions of a file, newest first. */
export function listVersions(path: string): string[] {
  const dir = join(dirname(path), VERSIONS_DIR);
  if (!existsSync(dir)) return [];
  const stem = basename(path, extname(path));
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${stem}.v`) && f.endsWith(extname(path)))
    .sort((a, b) => versionNumber(b) - versionNumber(a))
    .map((f) => join(dir, f));
}

function versionNumber(file: string): number {
  const m = /\.v(\d+)\.[^.]+$/.exec(file);
  return m ? Number(m[1]) : 0;
}

/** Replaces `path` atomically, first copying the current file to `.versions/<stem>.v<N><ext>`. */
export function replaceKeepingVersion(path: string, data: Uint8Array): string | null {
  let kept: string | null = null;
  if (existsSync(path)) {
    const dir = join(dirname(path), VERSIONS_DIR);
    mkdirSync(dir, { recursive: true });
    const next = (listVersions(path).map(versionNumber)[0] ?? 0) + 1;
    kept = join(dir, `${basename(path, extname(path))}.v${next}${extname(path)}`);
    copyFileSync(path, kept);
  }
  writeFileAtomic(path, data);
  return kept;
}
