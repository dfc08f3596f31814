// The runs repository on a real SQLite file: life cycle, the one-transaction epoch commit,
// start-up recovery against real (live and dead) processes, and integrity after writes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMetricsRecord } from '../src/store/metrics-repo';
import { isPidAlive } from '../src/store/runs-repo';
import { openStore, type Store } from '../src/store/store';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-runs-'));
  store = openStore(join(dir, 'studio.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function epoch(n: number, validDice: number): EpochMetricsRecord {
  return { epoch: n, trainDice: validDice + 0.05, trainBce: 0.3 / n, trainDiceLoss: 0.4 / n, validDice, validBce: 0.35 / n, validDiceLoss: 1 - validDice, learningRate: 1e-3 / n, seconds: 12.5, imagesPerSecond: 40 + n };
}

const metricsCount = (runId: number) => store.db.prepare('SELECT count(*) FROM epoch_metrics WHERE run_id = ?').pluck().get(runId);

describe('runs repository', () => {
  it('creates, lists and gets runs with the full validated config', () => {
    const a = store.runs.create({ data: '/data/pets', epochs: 3, model: 'resnet34_unet' }, { outputDir: (id) => join(dir, 'runs', `run-${id}`) });
    const b = store.runs.create({ data: '/data/other' }, { name: 'second' });
    expect(b).toBeGreaterThan(a);

    const ra = store.runs.get(a)!;
    expect(ra.status).toBe('queued');
    expect(ra.name).toBe('resnet34_unet b64 256px');
    expect(ra.outputDir).toBe(join(dir, 'runs', `run-${a}`));
    // Defaults are filled in by the schema and stored, not just the fields given.
    expect(ra.config).toMatchObject({ data: '/data/pets', epochs: 3, model: 'resnet34_unet', batchSize: 4, size: 256, augment: { enabled: true } });
    const stored = JSON.parse(store.db.prepare('SELECT config_json FROM runs WHERE id = ?').pluck().get(a) as string);
    expect(stored.learningRate).toBe(1e-3);
    expect(ra.metrics).toEqual([]);

    expect(store.runs.list().map((r) => r.id)).toEqual([b, a]);
    expect(store.runs.list({ limit: 1 }).map((r) => r.id)).toEqual([b]);
    store.runs.markRunning(a, { backend: 'cpu', device: 'cpu', pid: process.pid });
    expect(store.runs.list({ status: 'running' }).map((r) => r.id)).toEqual([a]);
    expect(store.runs.list({ status: 'queued' }).map((r) => r.id)).toEqual([b]);
    expect(store.runs.get(9999)).toBeUndefined();
  });

  it('refuses an invalid config and stores nothing', () => {
    expect(() => store.runs.create({ data: '/d', size: 100 })).toThrow(/size: must be a multiple of 32/);
    expect(store.runs.list()).toEqual([]);
  });

  it('records a run end to end', () => {
    const id = store.runs.create({ data: '/data/pets', epochs: 2 });
    store.runs.markRunning(id, { backend: 'native', device: 'cpu x2', pid: process.pid });
    store.runs.recordEpoch(id, epoch(1, 0.6), { bestValidDice: 0.6, bestEpoch: 1, checkpointPath: '/ck/best' });
    store.runs.recordEpoch(id, epoch(2, 0.55), { bestValidDice: 0.6, bestEpoch: 1 });
    store.runs.finish(id, { testDice: 0.58 });
    const r = store.runs.get(id)!;
    expect(r).toMatchObject({ status: 'completed', backend: 'native', device: 'cpu x2', epochsDone: 2, bestValidDice: 0.6, bestEpoch: 1, testDice: 0.58, checkpointPath: '/ck/best', workerPid: null, error: null });
    expect(r.startedAt).not.toBeNull();
    expect(r.endedAt! >= r.startedAt!).toBe(true);
    expect(r.metrics).toEqual([epoch(1, 0.6), epoch(2, 0.55)]);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('commits the metrics row and the run update in one transaction (a failing update rolls back the insert)', () => {
    const id = store.runs.create({ data: '/d', epochs: 5 });
    store.runs.markRunning(id, { backend: 'cpu', device: 'cpu', pid: process.pid });
    store.runs.recordEpoch(id, epoch(1, 0.5), { bestValidDice: 0.5, bestEpoch: 1 });

    // The metrics insert succeeds, then the run update violates CHECK (best_epoch <= epochs_done).
    expect(() => store.runs.recordEpoch(id, epoch(2, 0.7), { bestValidDice: 0.7, bestEpoch: 3 })).toThrow(/CHECK constraint/);
    expect(metricsCount(id)).toBe(1);
    expect(store.runs.get(id)).toMatchObject({ epochsDone: 1, bestValidDice: 0.5, bestEpoch: 1 });

    // A run that is no longer running refuses the epoch: the update matches no row, the insert is undone.
    store.runs.cancel(id);
    expect(() => store.runs.recordEpoch(id, epoch(2, 0.7), { bestValidDice: 0.7, bestEpoch: 2 })).toThrow(`Cannot record an epoch for run ${id}: it is cancelled`);
    expect(metricsCount(id)).toBe(1);
    expect(store.runs.get(id)!.epochsDone).toBe(1);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('replaces a replayed epoch, keeps NaN metrics as NaN and stores "no best yet" as null', () => {
    const id = store.runs.create({ data: '/d' });
    store.runs.markRunning(id, { backend: 'cpu', device: 'cpu' });
    store.runs.recordEpoch(id, { ...epoch(1, Number.NaN), trainBce: Number.NaN }, { bestValidDice: -1, bestEpoch: 0 });
    let r = store.runs.get(id)!;
    expect(r.bestValidDice).toBeNull();
    expect(r.bestEpoch).toBeNull();
    expect(r.epochsDone).toBe(1);
    expect(Number.isNaN(r.metrics[0]!.validDice)).toBe(true);
    expect(Number.isNaN(r.metrics[0]!.trainBce)).toBe(true);
    // Resuming re-trains epoch 1 (its checkpoint was not written); the new numbers replace the old.
    store.runs.recordEpoch(id, epoch(1, 0.42), { bestValidDice: 0.42, bestEpoch: 1 });
    r = store.runs.get(id)!;
    expect(r.metrics).toEqual([epoch(1, 0.42)]);
    expect(r.bestValidDice).toBe(0.42);
  });

  it('guards status transitions', () => {
    const id = store.runs.create({ data: '/d' });
    expect(() => store.runs.finish(id, { testDice: 0.5 })).toThrow(`Cannot complete run ${id}: it is queued`);
    expect(() => store.runs.recordEpoch(id, epoch(1, 0.5), { bestValidDice: 0.5, bestEpoch: 1 })).toThrow(/it is queued/);
    store.runs.markRunning(id, { backend: 'cpu', device: 'cpu' });
    expect(() => store.runs.markRunning(id, { backend: 'cpu', device: 'cpu' })).toThrow(/it is running/);
    store.runs.fail(id, 'out of memory');
    expect(store.runs.get(id)).toMatchObject({ status: 'failed', error: 'out of memory' });
    expect(() => store.runs.cancel(id)).toThrow(/it is failed/);
    expect(() => store.runs.cancel(424242)).toThrow('Run 424242 does not exist');
    store.runs.requeue(id, { data: '/d', epochs: 50 });
    expect(store.runs.get(id)).toMatchObject({ status: 'queued', error: null, config: { epochs: 50 } });
    expect(() => store.runs.requeue(id)).toThrow(/it is queued/);
    store.runs.markInterrupted(id, 'app quit');
    expect(store.runs.status(id)).toBe('interrupted');
  });

  it('recoverInterrupted marks runs whose worker or owner is dead as interrupted and leaves live ones', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const deadPid = child.pid!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(isPidAlive(deadPid)).toBe(false);

    const live = store.runs.create({ data: '/d' });
    const dead = store.runs.create({ data: '/d' });
    const noPid = store.runs.create({ data: '/d' });
    const queued = store.runs.create({ data: '/d' }, { ownerPid: process.pid });
    const orphanQueued = store.runs.create({ data: '/d' }, { ownerPid: deadPid });
    const unownedQueued = store.runs.create({ data: '/d' });
    const done = store.runs.create({ data: '/d' });
    store.runs.markRunning(live, { backend: 'cpu', device: 'cpu', pid: process.pid });
    store.runs.markRunning(dead, { backend: 'cpu', device: 'cpu', pid: deadPid });
    store.runs.recordEpoch(dead, epoch(1, 0.3), { bestValidDice: 0.3, bestEpoch: 1 });
    store.runs.markRunning(noPid, { backend: 'cpu', device: 'cpu' });
    store.runs.markRunning(done, { backend: 'cpu', device: 'cpu', pid: deadPid });
    store.runs.finish(done, { testDice: null });

    expect(store.runs.recoverInterrupted()).toEqual([dead, noPid, orphanQueued, unownedQueued].sort((x, y) => x - y));
    expect(store.runs.status(live)).toBe('running');
    expect(store.runs.status(queued)).toBe('queued');
    expect(store.runs.get(queued)!.workerPid).toBe(process.pid);
    expect(store.runs.get(orphanQueued)!.error).toMatch(new RegExp(`before this queued run started.*pid ${deadPid}`));
    // An interrupted queued run can be resumed by whoever owns it now.
    store.runs.requeue(orphanQueued, undefined, { ownerPid: process.pid });
    expect(store.runs.get(orphanQueued)).toMatchObject({ status: 'queued', workerPid: process.pid, error: null });
    expect(store.runs.status(done)).toBe('completed');
    const d = store.runs.get(dead)!;
    expect(d).toMatchObject({ status: 'interrupted', epochsDone: 1, bestValidDice: 0.3 });
    expect(d.error).toContain(`pid ${deadPid}`);
    expect(d.metrics).toHaveLength(1);
    // Idempotent: nothing left to recover.
    expect(store.runs.recoverInterrupted()).toEqual([]);
  });

  it('lets a second connection (another process in the app) read committed epochs while one writes', () => {
    const id = store.runs.create({ data: '/d' });
    store.runs.markRunning(id, { backend: 'cpu', device: 'cpu', pid: process.pid });
    const reader = openStore(store.file);
    try {
      store.runs.recordEpoch(id, epoch(1, 0.61), { bestValidDice: 0.61, bestEpoch: 1 });
      expect(reader.runs.get(id)).toMatchObject({ epochsDone: 1, bestValidDice: 0.61 });
      expect(reader.runs.get(id)!.metrics).toHaveLength(1);
    } finally {
      reader.close();
    }
    expect(store.integrityCheck()).toBe('ok');
  });
});
