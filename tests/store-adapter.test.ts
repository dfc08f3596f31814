// The services' StudioStore over real SQLite files: the shapes the services see (contract
// types, engine Samples), run ownership by pid across real processes, and that each call lands
// in the tables (checked through a second, raw connection).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../src/engine/train/checkpoint';
import type { ImportReport, Sample } from '../src/engine/types';
import { openStudioStore } from '../src/services/store-adapter';
import type { StudioStore } from '../src/services/store-types';
import { parseRunConfig } from '../src/shared/run-config';
import { openStore, type Store } from '../src/store/store';

let dir: string;
let file: string;
let store: StudioStore;
let raw: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-adapter-'));
  file = join(dir, 'nested', 'studio.db');
  store = openStudioStore(file);
  raw = openStore(file);
});
afterEach(() => {
  raw.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const root = resolve('/data/pets');
const config = parseRunConfig({ data: root, epochs: 3 });
function metrics(epoch: number, validDice: number): EpochMetrics {
  return { epoch, trainDice: 0.5, trainBce: 0.4, trainDiceLoss: 0.5, validDice, validBce: 0.45, validDiceLoss: 1 - validDice, learningRate: 1e-3, seconds: 2, imagesPerSecond: 30 };
}
function sample(stem: string, split: Sample['split'], extra: Partial<Sample> = {}): Sample {
  return { id: stem, imagePath: `${root}/images/${stem}.jpg`, maskPath: `${root}/annotations/trimaps/${stem}.png`, maskEncoding: 'trimap', split, width: 64, height: 48, ...extra };
}
const samples = [
  sample('cat_1', 'valid', { species: 'cat', breed: 'Bengal', classId: 3 }),
  sample('cat_2', 'valid', { species: 'cat', breed: 'Bengal', classId: 3 }),
  sample('dog_1', 'valid', { species: 'dog', breed: 'pug', classId: 9 }),
  sample('dog_2', 'train', { species: 'dog', breed: 'pug', classId: 9 }),
  sample('loose', 'train', { maskPath: undefined }),
];
const report: ImportReport = {
  root,
  layout: 'oxford',
  samples,
  skipped: [{ file: `${root}/images/x.gif`, reason: 'unsupported format' }, { file: `${root}/images/y.jpg`, reason: 'no mask' }],
  counts: { train: 1, valid: 3, test: 0, unlabeled: 1 },
};

describe('store adapter', () => {
  it('drives a run from queued to completed in the contract shapes', () => {
    const rec = store.runs.create({ name: 'first', config, runDirFor: (id) => join(dir, 'runs', `run-${id}`) });
    expect(rec).toMatchObject({ name: 'first', status: 'queued', model: config.model, datasetPath: root, epochs: 3, epochsCompleted: 0, bestValidDice: null, runDir: join(dir, 'runs', `run-${rec.id}`) });
    expect(rec.config).toEqual(config);
    // The creating process owns the queued run.
    expect(raw.runs.get(rec.id)!.workerPid).toBe(process.pid);

    store.runs.markRunning(rec.id, { backend: 'cpu', device: 'cpu x2' });
    expect(store.runs.status(rec.id)).toBe('running');
    store.runs.recordEpoch(rec.id, metrics(1, 0.6), { bestValidDice: 0.6, bestEpoch: 1 });
    store.runs.recordEpoch(rec.id, metrics(2, 0.55), { bestValidDice: 0.6, bestEpoch: 1 });
    // The worker's view arrives through another connection, as it does from the worker process.
    expect(raw.runs.get(rec.id)).toMatchObject({ epochsDone: 2, bestValidDice: 0.6, bestEpoch: 1, backend: 'cpu', device: 'cpu x2' });
    expect(store.runs.metrics(rec.id)).toEqual([metrics(1, 0.6), metrics(2, 0.55)]);

    store.runs.finish(rec.id, { testDice: 0.58, bestValidDice: 0.6, bestEpoch: 1 });
    const done = store.runs.get(rec.id)!;
    expect(done).toMatchObject({ status: 'completed', epochsCompleted: 2, testDice: 0.58, backend: 'cpu', error: null });
    expect(done.startedAt).not.toBeNull();
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));

    const other = store.runs.create({ name: 'second', config, runDirFor: (id) => join(dir, `r${id}`) });
    expect(store.runs.list(10).map((r) => r.id)).toEqual([other.id, rec.id]);
    expect(store.runs.list(1).map((r) => r.id)).toEqual([other.id]);
    store.runs.cancel(other.id);
    expect(store.runs.status(other.id)).toBe('cancelled');
    expect(store.runs.get(12345)).toBeUndefined();
    expect(store.runs.status(12345)).toBeUndefined();
    expect(store.integrityCheck()).toBe('ok');
  });

  it('refuses an epoch for a run that is not running and writes nothing', () => {
    const rec = store.runs.create({ name: 'q', config, runDirFor: (id) => join(dir, `r${id}`) });
    expect(() => store.runs.recordEpoch(rec.id, metrics(1, 0.5), { bestValidDice: 0.5, bestEpoch: 1 })).toThrow(/is queued/);
    expect(store.runs.metrics(rec.id)).toEqual([]);
    expect(store.runs.get(rec.id)!.epochsCompleted).toBe(0);
  });

  it('recovers runs whose process died, leaves this process\'s runs, and requeues with a new epoch target', () => {
    // A real process opens the store, queues one run, starts another, and dies without cleaning up.
    const adapterUrl = pathToFileURL(resolve('src/services/store-adapter.ts')).href;
    const script = `
      const { openStudioStore } = await import(${JSON.stringify(adapterUrl)});
      const s = openStudioStore(${JSON.stringify(file)});
      const config = ${JSON.stringify(config)};
      const a = s.runs.create({ name: 'crashed', config, runDirFor: (id) => '/tmp/a' + id });
      s.runs.markRunning(a.id, { backend: 'cpu', device: 'cpu' });
      s.runs.recordEpoch(a.id, ${JSON.stringify(metrics(1, 0.42))}, { bestValidDice: 0.42, bestEpoch: 1 });
      const b = s.runs.create({ name: 'never started', config, runDirFor: (id) => '/tmp/b' + id });
      process.stdout.write(JSON.stringify([a.id, b.id]));
      process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    const [crashed, orphan] = JSON.parse(child.stdout) as [number, number];
    // The rows still say what the dead process left ...
    expect([store.runs.status(crashed), store.runs.status(orphan)]).toEqual(['running', 'queued']);

    const mine = store.runs.create({ name: 'mine', config, runDirFor: (id) => join(dir, `r${id}`) });
    const mineRunning = store.runs.create({ name: 'mine running', config, runDirFor: (id) => join(dir, `r${id}`) });
    store.runs.markRunning(mineRunning.id, { backend: 'cpu', device: 'cpu' });

    // ... and the first read of runs (here inside create) already turned them interrupted, with
    // no restart: a start-up recovery finds nothing left.
    const c = store.runs.get(crashed)!;
    expect(c).toMatchObject({ status: 'interrupted', epochsCompleted: 1, bestValidDice: 0.42 });
    expect(c.error).toMatch(/owner \(pid \d+\) is gone/);
    expect(store.runs.get(orphan)!.error).toMatch(/queued run/);
    expect(store.runs.recoverInterrupted()).toEqual([]);
    expect(store.runs.status(mine.id)).toBe('queued');
    expect(store.runs.status(mineRunning.id)).toBe('running');

    store.runs.requeue(crashed, { ...c.config, epochs: 8 });
    expect(store.runs.get(crashed)).toMatchObject({ status: 'queued', epochs: 8, epochsCompleted: 1, error: null });
    expect(store.runs.get(crashed)!.config.epochs).toBe(8);
    // Requeued here, so it now belongs to this (live) process.
    expect(store.runs.recoverInterrupted()).toEqual([]);
    store.runs.markInterrupted(mine.id, 'app quit');
    expect(store.runs.get(mine.id)).toMatchObject({ status: 'interrupted', error: 'app quit' });
    expect(() => store.runs.markInterrupted(mine.id, 'again')).toThrow(/is interrupted/);
  });

  it('saves an import and serves samples, predictions and edited masks', () => {
    const d = store.datasets.saveImport(report);
    expect(d).toMatchObject({ root, name: 'pets', layout: 'oxford', counts: report.counts, skipped: 2 });
    expect(store.datasets.list()).toEqual([d]);
    expect(store.datasets.get(d.id)).toEqual(d);
    expect(store.datasets.get(d.id + 1)).toBeUndefined();

    const byId = store.datasets.samples(d.id, { order: 'id', offset: 0, limit: 100 });
    expect(byId.total).toBe(5);
    expect(byId.items).toEqual([...samples].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(store.datasets.samples(d.id, { species: 'cat', order: 'id', offset: 1, limit: 1 })).toEqual({ total: 2, items: [samples[1]] });
    expect(store.datasets.samples(d.id, { labeled: false, order: 'id', offset: 0, limit: 10 }).items.map((s) => s.id)).toEqual(['loose']);
    expect(store.datasets.sample(d.id, 'dog_1')).toEqual(samples[2]);
    expect(store.datasets.sample(d.id, 'nope')).toBeUndefined();
    expect(store.datasets.samplesOfSplit(d.id, 'valid').map((s) => s.id)).toEqual(['cat_1', 'cat_2', 'dog_1']);

    const run = store.runs.create({ name: 'p', config, runDirFor: (id) => join(dir, `r${id}`) });
    store.predictions.save(run.id, d.id, 'valid', [
      { sampleId: 'cat_1', dice: 0.9, maskPath: '/m/cat_1.png' },
      { sampleId: 'cat_2', dice: Number.NaN, maskPath: '/m/cat_2.png' },
      { sampleId: 'dog_1', dice: 0.3, maskPath: '/m/dog_1.png' },
    ]);
    const worst = store.datasets.samples(d.id, { split: 'valid', runId: run.id, order: 'dice-asc', offset: 0, limit: 10 });
    expect(worst.items.map((s) => [s.id, s.predictedDice])).toEqual([['dog_1', 0.3], ['cat_1', 0.9], ['cat_2', undefined]]);
    // No prediction → no predictedDice key at all (the contract's optional field).
    expect('predictedDice' in worst.items[2]!).toBe(false);
    expect(store.predictions.list(run.id, d.id, 'valid').map((p) => p.sampleId)).toEqual(['cat_1', 'cat_2', 'dog_1']);
    expect(store.predictions.get(run.id, d.id, 'cat_2')!.dice).toBeNaN();
    expect(store.predictions.get(run.id, d.id, 'dog_2')).toBeUndefined();
    store.predictions.save(run.id, d.id, 'valid', [{ sampleId: 'dog_1', dice: 0.5, maskPath: '/m/dog_1b.png' }]);
    expect(store.predictions.list(run.id, d.id, 'valid')).toEqual([{ sampleId: 'dog_1', dice: 0.5, maskPath: '/m/dog_1b.png' }]);

    store.datasets.setMaskPath(d.id, 'loose', `${root}/edited/loose.png`, 'binary');
    expect(store.datasets.sample(d.id, 'loose')).toMatchObject({ maskPath: `${root}/edited/loose.png`, maskEncoding: 'binary' });
    expect(raw.samples.get(d.id, 'loose')!.labelStatus).toBe('edited');
    expect(() => store.datasets.setMaskPath(d.id, 'ghost', '/x.png', 'binary')).toThrow(/"ghost"/);

    expect(store.datasets.remove(d.id)).toBe(true);
    expect(store.datasets.list()).toEqual([]);
    expect(store.predictions.list(run.id, d.id, 'valid')).toEqual([]);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('logs exports and refuses one for a run that does not exist', () => {
    const run = store.runs.create({ name: 'e', config, runDirFor: (id) => join(dir, `r${id}`) });
    const a = store.exports.create({ runId: run.id, kind: 'masks', folder: '/out/m', detail: { format: '0-1' } });
    const b = store.exports.create({ runId: run.id, kind: 'model', folder: '/out/model', detail: { which: 'best' } });
    store.exports.finish(a, 3);
    store.exports.fail(b, 'no checkpoint');
    expect(raw.exports.get(a)).toMatchObject({ status: 'completed', count: 3, destination: '/out/m', detail: { format: '0-1' } });
    expect(raw.exports.get(b)).toMatchObject({ status: 'failed', error: 'no checkpoint', kind: 'model' });
    // Foreign keys are on for the adapter's connection too.
    expect(() => store.exports.create({ runId: 999, kind: 'masks', folder: '/x', detail: {} })).toThrow(/FOREIGN KEY/);
  });

  it('closes its connection', () => {
    store.close();
    expect(() => store.runs.list(1)).toThrow(/not open/);
    store.close(); // a second close is harmless (shutdown paths may race)
  });
});
