// What a download created, so that overwriting removes only that. The downloader writes
// DEST/.seg-studio-download.json listing every file it installed (relative path, size, mtime,
// SHA-256). Overwrite then replaces only listed files whose content is still what the download
// wrote; a destination whose dataset folders no manifest accounts for, a listed file the user has
// changed since (an edited mask), or a new file landing on a file the download did not create is
// refused before anything moves. While an install is in progress the manifest also lists the
// incoming files as `pending`, so a crash mid-install leaves every file accounted for.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { safeEntryPath } from './safe-path';

export const MANIFEST_FILE = '.seg-studio-download.json';
/** The only folders a download installs (and therefore the only ones a manifest may name). */
export const DATASET_DIRS = ['images', 'annotations'] as const;

export interface ManifestEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export type FileList = Record<string, ManifestEntry>;

export interface DownloadManifest {
  format: 'seg-studio-download';
  version: 1;
  writtenAt: string;
  files: FileList;
  /** Files of an install in progress (crash between the moves): also the download's own. */
  pending?: FileList;
}

export class ManifestError extends Error {}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A manifest path must be a plain relative path inside images/ or annotations/. */
function checkedPath(manifestFile: string, rel: string): string {
  let safe: string;
  try {
    safe = safeEntryPath(rel);
  } catch (err) {
    throw new ManifestError(`${manifestFile}: lists an unsafe path: ${(err as Error).message}`);
  }
  if (safe !== rel || !DATASET_DIRS.some((d) => rel.startsWith(d + '/'))) {
    throw new ManifestError(`${manifestFile}: lists ${JSON.stringify(rel)}, which is not a file inside ${DATASET_DIRS.join('/ or ')}/`);
  }
  return rel;
}

function checkedList(manifestFile: string, value: unknown, field: string): FileList {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ManifestError(`${manifestFile}: "${field}" is not an object`);
  const out: FileList = {};
  for (const [rel, e] of Object.entries(value as Record<string, unknown>)) {
    const entry = e as Partial<ManifestEntry> | null;
    if (!entry || typeof entry.size !== 'number' || typeof entry.mtimeMs !== 'number' || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new ManifestError(`${manifestFile}: the entry for ${JSON.stringify(rel)} is malformed`);
    }
    out[checkedPath(manifestFile, rel)] = { size: entry.size, mtimeMs: entry.mtimeMs, sha256: entry.sha256 };
  }
  return out;
}

/** The manifest in DEST, null when there is none; a damaged one is an error (never guessed at). */
export function readManifest(dest: string): DownloadManifest | null {
  const file = join(dest, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ManifestError(`${file}: cannot read the download manifest: ${(err as Error).message}`);
  }
  let raw: Partial<DownloadManifest>;
  try {
    raw = JSON.parse(text) as Partial<DownloadManifest>;
  } catch (err) {
    throw new ManifestError(`${file}: the download manifest is not valid JSON (${(err as Error).message})`);
  }
  if (raw?.format !== 'seg-studio-download' || raw.version !== 1) throw new ManifestError(`${file}: not a seg-studio download manifest (format/version)`);
  const m: DownloadManifest = { format: raw.format, version: 1, writtenAt: String(raw.writtenAt ?? ''), files: checkedList(file, raw.files, 'files') };
  if (raw.pending !== undefined) m.pending = checkedList(file, raw.pending, 'pending');
  return m;
}

/** Atomic (temp file, fsync, rename): a crash leaves the old manifest or the new one. */
export function writeManifest(dest: string, files: FileList, pending?: FileList): void {
  const m: DownloadManifest = { format: 'seg-studio-download', version: 1, writtenAt: new Date().toISOString(), files };
  if (pending) m.pending = pending;
  const file = join(dest, MANIFEST_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(m));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function removeManifest(dest: string): void {
  rmSync(join(dest, MANIFEST_FILE), { force: true });
}

/** Every file a manifest accounts for, with each content the download may have left there. */
export function ownedFiles(m: DownloadManifest): Map<string, ManifestEntry[]> {
  const out = new Map<string, ManifestEntry[]>();
  for (const list of [m.files, m.pending ?? {}]) {
    for (const [rel, e] of Object.entries(list)) out.set(rel, [...(out.get(rel) ?? []), e]);
  }
  return out;
}

/**
 * Files the manifest lists that now hold something the download did not write (a user's edit,
 * a folder or link in their place). Files that are gone are not listed: nothing to lose there.
 * Same size and mtime counts as unchanged; otherwise the content's SHA-256 decides.
 */
export function changedFiles(dest: string, m: DownloadManifest): string[] {
  const changed: string[] = [];
  for (const [rel, entries] of ownedFiles(m)) {
    let st;
    try {
      st = lstatSync(join(dest, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (!st.isFile()) {
      changed.push(rel);
      continue;
    }
    const sizeMatches = entries.filter((e) => e.size === st.size);
    if (sizeMatches.some((e) => e.mtimeMs === st.mtimeMs)) continue;
    if (sizeMatches.length > 0) {
      const digest = sha256File(join(dest, rel));
      if (sizeMatches.some((e) => e.sha256 === digest)) continue;
    }
    changed.push(rel);
  }
  return changed.sort();
}
