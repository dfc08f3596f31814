// Datasets, samples, predictions and exports on a real SQLite file: import and re-import,
// filtered and Dice-ordered sample pages, prediction replacement, cascades on removal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportReport, Sample } from '../src/engine/types';
import { toEngineSample } from '../src/store/samples-repo';
import { openStore, type Store } from '../src/store/store';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-ds-'));
  store = openStore(join(dir, 'studio.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const root = '/data/oxford';
function sample(stem: string, split: Sample['split'], extra: Partial<Sample> = {}): Sample {
  return { id: stem, imagePath: `${root}/images/${stem}.jpg`, maskPath: `${root}/annotations/trimaps/${stem}.png`, maskEncoding: 'trimap', split, width: 400, height: 300, ...extra };
}
function report(samples: Sample[]): ImportReport {
  const counts = { train: 0, valid: 0, test: 0, unlabeled: 0 };
  for (const s of samples) s.maskPath ? counts[s.split]++ : counts.unlabeled++;
  return { root, layout: 'oxford', samples, skipped: [{ file: `${root}/images/bad.jpg`, reason: 'not an image' }], counts };
}

const base = [
  sample('Abyssinian_1', 'train', { species: 'cat', breed: 'Abyssinian', classId: 1 }),
  sample('Abyssinian_2', 'valid', { species: 'cat', breed: 'Abyssinian', classId: 1 }),
  sample('beagle_1', 'valid', { species: 'dog', breed: 'beagle', classId: 2 }),
  sample('beagle_2', 'test', { species: 'dog', breed: 'beagle', classId: 2 }),
  sample('photo', 'train', { maskPath: undefined }),
];

describe('datasets, samples, predictions, exports', () => {
  it('saves an import and reads it back', () => {
    const d = store.datasets.saveImport(report(base));
    expect(d).toMatchObject({ root, layout: 'oxford', name: 'oxford', skippedCount: 1, counts: { train: 1, valid: 2, test: 1, unlabeled: 1 } });
    expect(d.report.skipped).toEqual([{ file: `${root}/images/bad.jpg`, reason: 'not an image' }]);
    expect(store.datasets.list().map((x) => x.id)).toEqual([d.id]);
    expect(store.datasets.getByRoot(root)?.id).toBe(d.id);
    const s = store.samples.get(d.id, 'beagle_1')!;
    expect(s).toMatchObject({ split: 'valid', species: 'dog', breed: 'beagle', classId: 2, labelStatus: 'labeled' });
    expect(toEngineSample(s)).toEqual(base[2]);
    // Optional fields are absent (not null/undefined keys), as the engine's importer produces them.
    expect(toEngineSample(store.samples.get(d.id, 'photo')!)).toStrictEqual({ id: 'photo', imagePath: `${root}/images/photo.jpg`, maskEncoding: 'trimap', split: 'train', width: 400, height: 300 });
    expect(store.samples.get(d.id, 'photo')!.labelStatus).toBe('unlabeled');
    expect(store.samples.ofSplit(d.id, 'valid').map((x) => x.stem)).toEqual(['Abyssinian_2', 'beagle_1']);
  });

  it('re-import keeps sample ids, predictions and edited masks, and drops samples that are gone', () => {
    const d = store.datasets.saveImport(report(base));
    const runId = store.runs.create({ data: root });
    expect(store.runs.get(runId)!.datasetId).toBe(d.id);
    const idBefore = store.samples.get(d.id, 'beagle_1')!.id;
    store.samples.setMask(d.id, 'Abyssinian_2', `${root}/annotations/trimaps/Abyssinian_2.png`, 'trimap');
    store.predictions.replace(runId, d.id, 'valid', [
      { stem: 'Abyssinian_2', dice: 0.9, maskPath: '/p/a2.png' },
      { stem: 'beagle_1', dice: 0.4, maskPath: '/p/b1.png' },
    ]);
    const again = store.datasets.saveImport(report(base.filter((s) => s.id !== 'beagle_2')));
    expect(again.id).toBe(d.id);
    expect(store.samples.get(d.id, 'beagle_1')!.id).toBe(idBefore);
    expect(store.samples.get(d.id, 'beagle_2')).toBeUndefined();
    expect(store.samples.get(d.id, 'Abyssinian_2')!.labelStatus).toBe('edited');
    expect(store.predictions.list(runId, d.id, 'valid').map((p) => [p.stem, p.dice])).toEqual([['Abyssinian_2', 0.9], ['beagle_1', 0.4]]);
    expect(() => store.samples.setMask(d.id, 'nope', '/x.png', 'binary')).toThrow(/"nope" is not in dataset/);
  });

  it('pages samples with filters and orders them by a run\'s Dice', () => {
    const d = store.datasets.saveImport(report(base));
    const runId = store.runs.create({ data: root });
    store.predictions.replace(runId, d.id, 'valid', [
      { stem: 'Abyssinian_2', dice: 0.9, maskPath: '/p/a2.png' },
      { stem: 'beagle_1', dice: 0.4, maskPath: '/p/b1.png' },
    ]);
    store.predictions.replace(runId, d.id, 'train', [{ stem: 'Abyssinian_1', dice: 0.7, maskPath: '/p/a1.png' }]);
    expect(store.samples.query(d.id, { species: 'dog' }).items.map((s) => s.stem)).toEqual(['beagle_1', 'beagle_2']);
    expect(store.samples.query(d.id, { labeled: false }).items.map((s) => s.stem)).toEqual(['photo']);
    expect(store.samples.query(d.id, { breed: 'Abyssinian', split: 'valid' }).total).toBe(1);
    const asc = store.samples.query(d.id, { runId, order: 'dice-asc' });
    expect(asc.total).toBe(5);
    expect(asc.items.map((s) => [s.stem, s.predictedDice])).toEqual([
      ['beagle_1', 0.4], ['Abyssinian_1', 0.7], ['Abyssinian_2', 0.9], ['beagle_2', null], ['photo', null],
    ]);
    const page = store.samples.query(d.id, { runId, order: 'dice-desc', offset: 1, limit: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((s) => s.stem)).toEqual(['Abyssinian_1', 'beagle_1']);
    expect(() => store.samples.query(d.id, { order: 'dice-asc' })).toThrow(/needs a runId/);
    expect(store.predictions.meanDice(runId, d.id, 'valid')).toBeCloseTo(0.65, 10);
    // Replacing a split drops its old rows only.
    store.predictions.replace(runId, d.id, 'valid', [{ stem: 'beagle_1', dice: 0.5, maskPath: '/p/b1.png' }]);
    expect(store.predictions.listForRun(runId).map((p) => p.stem)).toEqual(['Abyssinian_1', 'beagle_1']);
    // An unknown stem aborts the whole replacement.
    expect(() => store.predictions.replace(runId, d.id, 'valid', [{ stem: 'beagle_1', dice: 0.1, maskPath: '/q' }, { stem: 'ghost', dice: 0.1, maskPath: '/q' }])).toThrow(/"ghost"/);
    expect(store.predictions.get(runId, d.id, 'beagle_1')!.dice).toBe(0.5);
  });

  it('logs exports from running to completed or failed', () => {
    const runId = store.runs.create({ data: root });
    const a = store.exports.create({ runId, kind: 'masks', destination: '/out/masks', detail: { format: '0-255' } });
    const b = store.exports.create({ runId, kind: 'model', destination: '/out/model' });
    expect(store.exports.get(a)).toMatchObject({ status: 'running', count: 0, finishedAt: null, detail: { format: '0-255' } });
    store.exports.finish(a, 120);
    store.exports.fail(b, 'disk full');
    expect(store.exports.get(a)).toMatchObject({ status: 'completed', count: 120 });
    expect(store.exports.get(b)).toMatchObject({ status: 'failed', error: 'disk full' });
    expect(store.exports.get(b)!.finishedAt).not.toBeNull();
    expect(() => store.exports.finish(a, 1)).toThrow(/not running/);
    expect(store.exports.list({ runId }).map((e) => e.id)).toEqual([b, a]);
  });

  it('removing a dataset cascades to samples and predictions and detaches its runs', () => {
    const d = store.datasets.saveImport(report(base));
    const runId = store.runs.create({ data: root });
    store.predictions.replace(runId, d.id, 'valid', [{ stem: 'beagle_1', dice: 0.4, maskPath: '/p' }]);
    expect(store.datasets.remove(d.id)).toBe(true);
    expect(store.datasets.remove(d.id)).toBe(false);
    expect(store.db.prepare('SELECT count(*) FROM samples').pluck().get()).toBe(0);
    expect(store.db.prepare('SELECT count(*) FROM predictions').pluck().get()).toBe(0);
    expect(store.runs.get(runId)).toMatchObject({ datasetId: null, status: 'queued' });
    expect(store.integrityCheck()).toBe('ok');
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
  });
});
