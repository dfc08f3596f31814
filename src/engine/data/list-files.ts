// Lists a dataset folder: regular files, dotfiles ignored (macOS `._*` forks, `.DS_Store`),
// sorted in natural order so "Abyssinian_2" comes before "Abyssinian_10".
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';

export interface ListedFile {
  path: string;
  name: string;
  /** Name without its last extension: the key pairing a photo with its mask. */
  stem: string;
}

export const naturalCompare = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

export async function listFiles(dir: string): Promise<ListedFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink()))
    .map((e) => ({ path: join(dir, e.name), name: e.name, stem: e.name.slice(0, e.name.length - extname(e.name).length) }))
    .sort((a, b) => naturalCompare(a.name, b.name));
}
