// Imports a dataset folder: detects its layout, checks every photo/mask pair (bad files are
// reported in `skipped`, never thrown), and assigns seeded train/valid/test splits.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImportOptions, ImportReport, Sample, SkippedFile, Split } from '../types';
import { checkPair } from './check-pair';
import { DataFileError } from './data-file-error';
import { isGenericLayout, scanGeneric } from './generic-layout';
import type { Candidate, LayoutScan } from './layout-types';
import { naturalCompare } from './list-files';
import { isOxfordLayout, scanOxford } from './oxford-layout';
import { mapPool } from './pool';
import { splitAll, splitTrainValid } from './split';

/** Files checked at once: enough to keep libuv's threadpool busy without piling up decoded masks. */
const CHECK_CONCURRENCY = 8;

async function scan(root: string): Promise<LayoutScan> {
  checkDatasetFolder(root);
  return isOxfordLayout(root) ? scanOxford(root) : scanGeneric(root);
}

/**
 * Throws a DataFileError naming the folder unless it exists and has a known layout. Cheap (a few
 * stats), so a run can be refused before it is queued.
 */
export function checkDatasetFolder(root: string): void {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new DataFileError(root, 'dataset folder does not exist');
  if (isOxfordLayout(root) || isGenericLayout(root)) return;
  throw new DataFileError(
    root,
    'not a dataset folder — expected images/ with annotations/trimaps/ (Oxford-IIIT Pet layout) or images/ with masks/',
  );
}

function assignSplits(scan: LayoutScan, labeled: Candidate[], opts: ImportOptions): Map<string, Split> {
  const valFraction = opts.valFraction ?? 0.1;
  const testFraction = opts.testFraction ?? 0.1;
  const seed = opts.seed ?? 42;
  if (!scan.hasOfficialSplit) return splitAll(labeled.map((c) => c.id), valFraction, testFraction, seed);
  const splits = splitTrainValid(
    labeled.filter((c) => c.officialSplit === 'trainval').map((c) => c.id),
    valFraction,
    seed,
  );
  for (const c of labeled) if (c.officialSplit === 'test') splits.set(c.id, 'test');
  // Images listed in neither file: a seeded split of their own, with the same fractions as a
  // dataset without split files (so they also reach test, not only train/valid).
  const unlisted = labeled.filter((c) => !c.officialSplit).map((c) => c.id);
  for (const [id, split] of splitAll(unlisted, valFraction, testFraction, seed)) splits.set(id, split);
  return splits;
}

export async function importDataset(root: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const abs = resolve(root);
  const found = await scan(abs);
  const skipped: SkippedFile[] = [...found.skipped];
  const total = found.candidates.length;
  opts.onProgress?.(0, total);
  const checks = await mapPool(
    found.candidates,
    CHECK_CONCURRENCY,
    (c) => checkPair(c.imagePath, c.maskPath, found.encoding),
    opts.onProgress,
  );

  const accepted: Array<{ c: Candidate; width: number; height: number }> = [];
  found.candidates.forEach((c, i) => {
    const r = checks[i]!;
    if (!r.ok) skipped.push(r.skipped);
    else if (c.missingMask) skipped.push({ file: c.imagePath, reason: `no trimap (expected ${c.missingMask})` });
    else accepted.push({ c, width: r.width, height: r.height });
  });

  const splits = assignSplits(
    found,
    accepted.filter((a) => a.c.maskPath).map((a) => a.c),
    opts,
  );
  const counts = { train: 0, valid: 0, test: 0, unlabeled: 0 };
  const samples: Sample[] = accepted.map(({ c, width, height }) => {
    // Unlabeled photos carry split 'train' (the type needs one) but no maskPath; consumers
    // filter on maskPath and the counts below leave them out of every split.
    const split = c.maskPath ? splits.get(c.id)! : 'train';
    if (c.maskPath) counts[split]++;
    else counts.unlabeled++;
    const sample: Sample = { id: c.id, imagePath: c.imagePath, maskEncoding: found.encoding, split, width, height };
    if (c.maskPath) sample.maskPath = c.maskPath;
    if (c.classId !== undefined) sample.classId = c.classId;
    if (c.species) sample.species = c.species;
    if (c.breed) sample.breed = c.breed;
    return sample;
  });
  samples.sort((a, b) => naturalCompare(a.id, b.id));
  skipped.sort((a, b) => naturalCompare(a.file, b.file));
  return { root: abs, layout: found.layout, samples, skipped, counts };
}
