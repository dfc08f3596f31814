// The one path policy. Requests name files and folders (datasets to open, download destinations,
// run data, export folders); each is resolved to where it really is, symlinks of every existing
// part followed (a dangling link too), before it is compared with the real paths of the allowed
// roots. So an HTTP client holding the token still cannot read /etc/passwd, write over ~/.bashrc,
// or reach either through a symlink planted inside an allowed folder. A refused path gets the
// same PATH_REFUSED whether or not it exists, so answers tell nothing about the rest of the disk.
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { isAbsolute, parse, relative, resolve, sep } from 'node:path';
import { MAX_PATH_CHARS, StudioError } from '../shared/contract';

/** Links followed by hand (dangling ones) before giving up, as the kernel's ELOOP limit. */
const MAX_LINK_HOPS = 40;

class LinkLoopError extends Error {}

/**
 * Where `p` really is: the longest existing prefix through realpath, a dangling symlink right
 * after it followed by hand, the missing rest appended. Linear in the path's length: the prefix
 * is found by bisection (a prefix exists only if every shorter one does), with O(log n) stats.
 */
export function realResolve(p: string): string {
  let abs = resolve(p);
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    const root = parse(abs).root;
    const parts = abs.slice(root.length).split(sep).filter((s) => s.length > 0);
    // ends[k]: where the prefix of k parts ends in `abs`, so each probe is one slice.
    const ends = new Array<number>(parts.length + 1);
    ends[0] = root.length;
    for (let k = 1, at = root.length; k <= parts.length; k++) {
      at += (k > 1 ? sep.length : 0) + parts[k - 1]!.length;
      ends[k] = at;
    }
    const prefix = (k: number) => (k === 0 ? root : abs.slice(0, ends[k]));
    let lo = 0; // prefix(lo) exists (the root does)
    let hi = parts.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (existsSync(prefix(mid))) lo = mid;
      else hi = mid - 1;
    }
    const real = realpathSync(prefix(lo));
    if (lo === parts.length) return real;
    const next = resolve(real, parts[lo]!);
    let target: string | undefined;
    try {
      if (lstatSync(next).isSymbolicLink()) target = readlinkSync(next);
    } catch {
      target = undefined; // not there at all: the rest is simply missing
    }
    const rest = parts.slice(lo + 1).join(sep);
    // `abs` is already normalized: append the missing rest as it is (resolve() on 400 KB is slow).
    if (target === undefined) return rest ? next + sep + rest : next;
    // A dangling link: whatever is created through it lands at its target, so check that.
    const linked = resolve(real, target);
    abs = rest ? resolve(linked, rest) : linked;
  }
  throw new LinkLoopError('too many levels of symbolic links');
}

export function isInside(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * What a path is for, which decides the folders it may lie in:
 * - `app-file`: a file the app reads or writes for a request (sample files, masks, export
 *   folders): the data folder or an opened dataset, always.
 * - `dataset-source`: a dataset to open, relocate to or train on: also the import roots; anywhere
 *   in the desktop app (no import roots: the user picked it in their own folder dialog).
 * - `download-dest`: where a download writes a new dataset: the import roots and the data folder
 *   (not other datasets' folders); anywhere in the desktop app.
 */
export type PathScope = 'app-file' | 'dataset-source' | 'download-dest';

export class PathGuard {
  /**
   * @param fixedRoots always allowed (the data folder)
   * @param datasetRoots called on each check, so newly opened datasets count at once
   * @param importRoots folders datasets may come from (the HTTP host's --datasets-root); unset in
   *   the desktop app, where any folder the user picks may be opened
   */
  constructor(
    private readonly fixedRoots: string[],
    private readonly datasetRoots: () => string[],
    private readonly importRoots?: string[],
  ) {}

  /** Whether dataset folders are limited to import roots (a remote client: the HTTP host). */
  get restrictsSources(): boolean {
    return this.importRoots !== undefined;
  }

  /** The real paths of the folders a scope allows (roots are resolved at each check: they may move). */
  roots(scope: PathScope = 'app-file'): string[] {
    const named =
      scope === 'app-file'
        ? [...this.fixedRoots, ...this.datasetRoots()]
        : scope === 'dataset-source'
          ? [...(this.importRoots ?? []), ...this.fixedRoots, ...this.datasetRoots()]
          : [...(this.importRoots ?? []), ...this.fixedRoots];
    const out: string[] = [];
    for (const r of named) {
      try {
        out.push(realResolve(r));
      } catch {
        /* a root caught in a link loop allows nothing */
      }
    }
    return out;
  }

  /**
   * Checks a path for a scope. Returns the real path for `app-file` (what the caller then reads
   * or writes) and the absolute path as named for the dataset scopes (what is remembered and
   * shown: a dataset opened through a symlink that stays inside the roots keeps its name).
   * Throws PATH_REFUSED naming what is allowed.
   */
  check(path: string, purpose: string, scope: PathScope = 'app-file'): string {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
      throw new StudioError('PATH_REFUSED', `${purpose}: not a valid path`);
    }
    if (path.length > MAX_PATH_CHARS) {
      throw new StudioError('PATH_REFUSED', `${purpose}: a path is at most ${MAX_PATH_CHARS} characters (this one has ${path.length})`);
    }
    if (scope !== 'app-file' && !this.restrictsSources) return resolve(path);
    let real: string | undefined;
    try {
      real = realResolve(path);
    } catch {
      real = undefined; // a link loop: refused below like any path outside
    }
    const roots = this.roots(scope);
    if (real !== undefined && roots.some((r) => isInside(real, r))) return scope === 'app-file' ? real : resolve(path);
    const where =
      scope === 'app-file'
        ? "the opened datasets and the app's data folder"
        : scope === 'dataset-source'
          ? 'the folders datasets may be opened from'
          : 'the folders datasets may be downloaded into';
    throw new StudioError('PATH_REFUSED', `${purpose}: ${path} lies outside ${where} (${roots.join(', ')})`);
  }
}
