// Requests name files and folders (dataset roots, export folders). Only paths inside an opened
// dataset or the app's data folder are served or written, so an HTTP client holding the token
// still cannot read /etc/passwd or write over ~/.bashrc. Symlinks are resolved before the check.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { StudioError } from '../shared/contract';

/** Resolves symlinks of the longest existing prefix, so a not-yet-created path is checked too. */
function realResolve(p: string): string {
  let cur = resolve(p);
  const tail: string[] = [];
  while (!existsSync(cur)) {
    const parent = dirname(cur);
    if (parent === cur) break;
    tail.unshift(cur.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
    cur = parent;
  }
  const real = existsSync(cur) ? realpathSync(cur) : cur;
  return tail.length ? resolve(real, ...tail) : real;
}

export function isInside(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class PathGuard {
  private readonly fixedRoots: string[];

  /**
   * @param fixedRoots always allowed (the data folder)
   * @param datasetRoots called on each check, so newly opened datasets count at once
   */
  constructor(fixedRoots: string[], private readonly datasetRoots: () => string[]) {
    this.fixedRoots = fixedRoots.map(realResolve);
  }

  roots(): string[] {
    return [...this.fixedRoots, ...this.datasetRoots().map(realResolve)];
  }

  /** Returns the resolved real path, or throws PATH_REFUSED naming what is allowed. */
  check(path: string, purpose: string): string {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
      throw new StudioError('PATH_REFUSED', `${purpose}: not a valid path`);
    }
    const real = realResolve(path);
    const roots = this.roots();
    if (roots.some((r) => isInside(real, r))) return real;
    throw new StudioError(
      'PATH_REFUSED',
      `${purpose}: ${path} lies outside the opened datasets and the app's data folder (${roots.join(', ')})`,
    );
  }
}
