// Moves freshly extracted files into DEST file by file, with renames only (same filesystem, so
// each is atomic). Only files a previous download created (its manifest) are moved aside, and
// kept until the caller confirms the new dataset works; anything else in DEST — a user's own
// photos, masks, `.versions/` of edited masks — is never moved or deleted.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATASET_DIRS, ownedFiles, removeManifest, writeManifest, type DownloadManifest, type FileList } from './manifest';

export { DATASET_DIRS };

export interface Installed {
  /** Put the previous files back (used when the import of the new dataset fails). */
  rollback(): void;
  /** Delete the previous files for good and record the new ones as the download's. */
  commit(): void;
}

/** Folders from `rel`'s parent up to (not including) DEST, deepest first. */
function parents(rel: string): string[] {
  const out: string[] = [];
  for (let d = dirname(rel); d !== '.' && d !== ''; d = dirname(d)) out.push(d);
  return out;
}

/** Removes the folders that are now empty, deepest first; a folder with anything in it stays. */
function pruneEmpty(root: string, dirs: Iterable<string>): void {
  const sorted = [...new Set(dirs)].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
  for (const d of sorted) {
    const p = join(root, d);
    try {
      if (lstatSync(p).isDirectory() && readdirSync(p).length === 0) rmdirSync(p);
    } catch {
      // gone already, or not ours to remove
    }
  }
}

/**
 * Files in `incoming` whose place in DEST is taken by something the previous download did not
 * create: installing would replace a user's file, so the caller refuses.
 */
export function collisions(dest: string, incoming: FileList, previous: DownloadManifest | null): string[] {
  const owned = previous ? ownedFiles(previous) : new Map();
  const out: string[] = [];
  for (const rel of Object.keys(incoming)) {
    if (owned.has(rel)) continue;
    if (existsSync(join(dest, rel)) || isSymlink(join(dest, rel))) out.push(rel);
  }
  return out.sort();
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Installs `incoming` (paths relative to `staged`, with their sizes and hashes) into DEST.
 * The caller has checked that no listed previous file was changed and that nothing collides.
 */
export function installDataset(dest: string, staged: string, incoming: FileList, previous: DownloadManifest | null): Installed {
  const previousFiles = previous ? [...ownedFiles(previous).keys()].filter((rel) => existsSync(join(dest, rel))) : [];
  const aside = previousFiles.length > 0 ? mkdtempSync(join(dest, '.previous-')) : null;
  const movedOld: string[] = [];
  const movedNew: string[] = [];
  const madeDirs = new Set<string>();
  // Record the incoming files as the download's before the first move: a crash from here on
  // leaves every file in DEST either the user's or listed.
  writeManifest(dest, previous?.files ?? {}, { ...(previous?.pending ?? {}), ...incoming });

  const rollback = () => {
    for (const rel of movedNew.splice(0)) rmSync(join(dest, rel), { force: true });
    pruneEmpty(dest, madeDirs);
    for (const rel of movedOld.splice(0)) {
      mkdirSync(dirname(join(dest, rel)), { recursive: true });
      renameSync(join(aside!, rel), join(dest, rel));
    }
    if (aside) rmSync(aside, { recursive: true, force: true });
    if (previous) writeManifest(dest, previous.files, previous.pending);
    else removeManifest(dest);
  };
  try {
    for (const rel of previousFiles) {
      mkdirSync(dirname(join(aside!, rel)), { recursive: true });
      renameSync(join(dest, rel), join(aside!, rel));
      movedOld.push(rel);
    }
    for (const rel of Object.keys(incoming)) {
      for (const d of parents(rel).reverse()) {
        const p = join(dest, d);
        if (!existsSync(p)) {
          mkdirSync(p, { mode: 0o755 });
          madeDirs.add(d);
        } else if (!statSync(p).isDirectory()) {
          throw new Error(`${p} is in the way of the dataset's folder ${d}/ (not a folder)`);
        }
      }
      renameSync(join(staged, rel), join(dest, rel));
      movedNew.push(rel);
    }
  } catch (err) {
    rollback();
    throw new Error(`could not move the new dataset into ${dest}: ${(err as Error).message}; previous state restored`, { cause: err });
  }
  return {
    rollback,
    commit: () => {
      // mtimes as installed, so a later overwrite can tell an untouched file by size + mtime.
      const files: FileList = {};
      for (const [rel, e] of Object.entries(incoming)) files[rel] = { ...e, mtimeMs: statSync(join(dest, rel)).mtimeMs };
      writeManifest(dest, files);
      if (aside) rmSync(aside, { recursive: true, force: true });
      // Folders that held only the previous download's files and are empty now.
      pruneEmpty(dest, previousFiles.flatMap(parents));
    },
  };
}
