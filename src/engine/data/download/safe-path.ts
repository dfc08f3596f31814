// Turns a tar entry name into a relative path that cannot leave the extraction folder, or refuses
// it. Backslashes count as separators so an archive made on Windows cannot smuggle "..\\" past us.
import { isAbsolute, relative, resolve, sep } from 'node:path';

export class UnsafeEntryError extends Error {
  constructor(
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`unsafe archive entry ${JSON.stringify(entry)}: ${reason}`);
  }
}

/** Normalised relative POSIX path ('' for the archive root itself, e.g. "./"). */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw new UnsafeEntryError(name, 'contains a NUL byte');
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    throw new UnsafeEntryError(name, 'absolute path');
  }
  const parts: string[] = [];
  for (const seg of name.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    // Any ".." is refused, even one that would stay inside: no legitimate dataset archive needs it.
    if (seg === '..') throw new UnsafeEntryError(name, 'has a ".." segment');
    parts.push(seg);
  }
  return parts.join('/');
}

/** Absolute target under `root`, re-checked after resolution as a second line of defence. */
export function targetInside(root: string, rel: string): string {
  const base = resolve(root);
  const target = resolve(base, ...rel.split('/'));
  const back = relative(base, target);
  if (back === '' || back.startsWith('..' + sep) || back === '..' || isAbsolute(back)) {
    throw new UnsafeEntryError(rel, `resolves outside ${base}`);
  }
  return target;
}
