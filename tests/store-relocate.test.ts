// On a real SQLite file: a dataset can move to a new root keeping its id, its samples' ids, its
// predictions and its runs' links (DatasetsRepo.relocate).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportReport, Sample } from '../src/engine/types';
import { openStore, type Store } from '../src/store/store';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-relocate-'));
  store = openStore(join(dir, 'studio.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function report(root: string, stems: string[]): ImportReport {
  const samples: Sample[] = stems.map((stem, i) => ({
    id: stem,
    imagePath: `${root}/images/${stem}.jpg`,
    maskPath: `${root}/annotations/trimaps/${stem}.png`,
    maskEncoding: 'trimap',
    split: i % 2 ? 'valid' : 'train',
    width: 40,
    height: 30,
  }));
  const counts = { train: 0, valid: 0, test: 0, unlabeled: 0 };
  for (const s of samples) counts[s.split]++;
  return { root, layout: 'oxford', samples, skipped: [], counts };
}

describe('DatasetsRepo.relocate', () => {
  it('moves a dataset to a new root keeping its id, sample ids, predictions and runs', () => {
    const d = store.datasets.saveImport(report('/old/pets', ['a', 'b', 'c']));
    const runId = store.runs.create({ data: '/old/pets' });
    const otherRun = store.runs.create({ data: '/somewhere/else' });
    const sampleRowId = store.samples.get(d.id, 'b')!.id;
    store.predictions.replace(runId, d.id, 'valid', [{ stem: 'b', dice: 0.8, maskPath: '/p/b.png' }]);

    const moved = store.datasets.relocate(d.id, report('/new/place/pets2', ['a', 'b']));
    expect(moved.id).toBe(d.id);
    expect(moved.root).toBe('/new/place/pets2');
    // The default name (the folder's) follows the folder.
    expect(moved.name).toBe('pets2');
    expect(store.datasets.list().map((x) => x.id)).toEqual([d.id]);
    expect(store.datasets.getByRoot('/old/pets')).toBeUndefined();
    expect(store.samples.get(d.id, 'b')!.id).toBe(sampleRowId);
    expect(store.samples.get(d.id, 'b')!.imagePath).toBe('/new/place/pets2/images/b.jpg');
    expect(store.samples.get(d.id, 'c')).toBeUndefined();
    expect(store.predictions.list(runId, d.id, 'valid').map((p) => [p.stem, p.dice])).toEqual([['b', 0.8]]);
    expect(store.runs.get(runId)!.datasetId).toBe(d.id);
    expect(store.runs.get(runId)!.config.data).toBe('/new/place/pets2');
    expect(store.runs.get(otherRun)!.config.data).toBe('/somewhere/else');
  });

  it('refuses an unknown id and a root that another dataset holds, changing nothing', () => {
    const a = store.datasets.saveImport(report('/a', ['x']));
    const b = store.datasets.saveImport(report('/b', ['y']));
    expect(() => store.datasets.relocate(999, report('/c', ['x']))).toThrow(/dataset 999 does not exist/);
    expect(() => store.datasets.relocate(a.id, report('/b', ['x']))).toThrow(/already remembered as dataset/);
    expect(store.datasets.get(a.id)!.root).toBe('/a');
    expect(store.datasets.get(b.id)!.root).toBe('/b');
    expect(store.samples.get(a.id, 'x')!.imagePath).toBe('/a/images/x.jpg');
  });
});
