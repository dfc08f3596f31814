// The official Oxford-IIIT Pet layout: images/NAME.jpg, annotations/trimaps/NAME.png,
// annotations/list.txt ("NAME CLASS-ID SPECIES BREED-ID", `#` header lines) and the official
// annotations/trainval.txt and test.txt split files (same line format).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SkippedFile } from '../types';
import type { Candidate, LayoutScan } from './layout-types';
import { listFiles } from './list-files';

export function isOxfordLayout(root: string): boolean {
  return existsSync(join(root, 'images')) && existsSync(join(root, 'annotations', 'trimaps'));
}

interface ListEntry {
  classId: number;
  species: 'cat' | 'dog';
}

/** Parses list.txt-format lines into NAME → metadata; malformed lines are ignored, not fatal. */
export function parseListFile(text: string): Map<string, ListEntry> {
  const out = new Map<string, ListEntry>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, classId, species] = line.split(/\s+/);
    const c = Number(classId);
    const s = Number(species);
    if (!name || !Number.isInteger(c) || (s !== 1 && s !== 2)) continue;
    out.set(name, { classId: c, species: s === 1 ? 'cat' : 'dog' });
  }
  return out;
}

async function readOptional(path: string): Promise<string | undefined> {
  return existsSync(path) ? readFile(path, 'utf8') : undefined;
}

/** Breed name from the stem: "american_bulldog_12" → "american_bulldog". */
export function breedFromStem(stem: string): string {
  return stem.replace(/_\d+$/, '');
}

export async function scanOxford(root: string): Promise<LayoutScan> {
  const ann = join(root, 'annotations');
  const [listText, trainvalText, testText] = await Promise.all([
    readOptional(join(ann, 'list.txt')),
    readOptional(join(ann, 'trainval.txt')),
    readOptional(join(ann, 'test.txt')),
  ]);
  const list = parseListFile(listText ?? '');
  const trainval = new Set(parseListFile(trainvalText ?? '').keys());
  const test = new Set(parseListFile(testText ?? '').keys());
  const hasOfficialSplit = trainval.size + test.size > 0;

  const trimapDir = join(ann, 'trimaps');
  const trimaps = new Map((await listFiles(trimapDir)).map((f) => [f.name, f.path]));
  const skipped: SkippedFile[] = [];
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const f of await listFiles(join(root, 'images'))) {
    if (seen.has(f.stem)) {
      skipped.push({ file: f.path, reason: `another image already has the name ${f.stem}` });
      continue;
    }
    seen.add(f.stem);
    const maskPath = trimaps.get(`${f.stem}.png`);
    const meta = list.get(f.stem);
    // Outside list.txt the dataset's own rule applies: cat breeds are capitalised, dog breeds not.
    const species = meta?.species ?? (/^[A-Z]/.test(f.stem) ? 'cat' : 'dog');
    const candidate: Candidate = {
      id: f.stem,
      imagePath: f.path,
      maskPath,
      // Every Oxford photo should have a trimap; one without is reported once the photo itself
      // has passed its check (so a non-image file gets that reason instead).
      missingMask: maskPath ? undefined : join(trimapDir, `${f.stem}.png`),
      classId: meta?.classId,
      species,
      breed: breedFromStem(f.stem),
      // Images in neither split file (the full release has 41) get no official split; the
      // importer gives them a seeded train/valid/test split of their own.
      officialSplit: test.has(f.stem) ? 'test' : trainval.has(f.stem) ? 'trainval' : undefined,
    };
    candidates.push(candidate);
  }
  // A trimap no photo claims is reported rather than dropped silently: usually a renamed or
  // missing photo the user will want to know about.
  for (const [name, path] of trimaps) {
    if (!name.endsWith('.png')) skipped.push({ file: path, reason: 'not a trimap (trimaps are NAME.png)' });
    else if (!seen.has(name.slice(0, -4))) skipped.push({ file: path, reason: `trimap without a photo (no images/${name.slice(0, -4)}.* file)` });
  }
  return { layout: 'oxford', encoding: 'trimap', candidates, skipped, hasOfficialSplit };
}
