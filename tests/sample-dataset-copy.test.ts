// The bundled sample is never the folder the studio edits: a first start opens a copy in the data
// folder, and a data folder from before that rule (sample opened from the bundled folder) has its
// sample moved to a copy, keeping the dataset id and its runs. Files are compared by SHA-256,
// read with plain fs, before and after.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileHashes } from './helpers/file-hashes';
import { sampleDatasetDir } from '../src/engine/data/resolve-data-path';
import { copySampleDataset, moveBundledSampleOut, sampleCopyDir } from '../src/services/sample-dataset-copy';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import { parseRunConfig } from '../src/shared/run-config';

let tmp: string;
const open: StudioServices[] = [];
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sample-copy-'));
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the sample dataset copy', () => {
  it('copies every file byte for byte, and reuses an earlier copy rather than overwriting it', () => {
    const data = join(tmp, 'data');
    const copy = copySampleDataset(data);
    expect(copy).toBe(sampleCopyDir(data));
    expect(fileHashes(copy)).toEqual(fileHashes(sampleDatasetDir()));
    expect(readdirSync(join(data, 'datasets'))).toEqual(['sample-dataset']); // no partial folder left
    // An edited copy (the user's labels) is kept as it is on the next call.
    const someMask = Object.keys(fileHashes(copy)).find((p) => p.endsWith('.png'))!;
    cpSync(join(copy, 'README.md'), join(copy, someMask));
    const edited = fileHashes(copy);
    expect(copySampleDataset(data)).toBe(copy);
    expect(fileHashes(copy)).toEqual(edited);
  });

  it('moves a sample opened from the bundled folder to a copy, keeping its id and runs, leaving the bundled files as they were', async () => {
    // A stand-in for the bundled folder (the real one must not be opened and edited by a test).
    const bundled = join(tmp, 'resources', 'sample-dataset');
    cpSync(sampleDatasetDir(), bundled, { recursive: true });
    const before = fileHashes(bundled);
    const s = createStudioServices({ dbPath: join(tmp, 'data', 'studio.db'), recover: false });
    open.push(s);
    const { dataset } = await s.datasets.open({ path: bundled, valFraction: 0.1, seed: 42 });
    const run = s.store.runs.create({ name: 'r', config: parseRunConfig({ data: bundled }), runDirFor: (id) => join(tmp, 'runs', String(id)) });
    const datasets = { list: () => s.store.datasets.list(), relocate: s.datasets.relocate.bind(s.datasets) };

    const copy = (await moveBundledSampleOut(join(tmp, 'data'), datasets, bundled))!;
    expect(copy).toBe(sampleCopyDir(join(tmp, 'data')));
    const after = s.store.datasets.list();
    expect(after.map((d) => [d.id, d.root])).toEqual([[dataset.id, copy]]);
    expect(s.store.runs.get(run.id)).toBeTruthy();
    // Nothing left to move the second time.
    expect(await moveBundledSampleOut(join(tmp, 'data'), datasets, bundled)).toBeNull();

    // A mask saved now lands in the copy; the bundled folder is byte-identical.
    const sample = s.store.datasets.samplesOfSplit(dataset.id, 'train')[0]!;
    const { width, height } = await sharp(sample.imagePath).metadata();
    const png = await sharp(Buffer.alloc(width! * height!, 255), { raw: { width: width!, height: height!, channels: 1 } }).png().toBuffer();
    const saved = await s.datasets.saveMask(dataset.id, sample.id, new Uint8Array(png));
    expect(saved.maskPath.startsWith(copy)).toBe(true);
    expect(fileHashes(bundled)).toEqual(before);
    expect(fileHashes(copy)[relative(copy, saved.maskPath)]).not.toBe(before[relative(copy, saved.maskPath)]);
  }, 60_000);
});
