// The CLI's run recorder for `seg-studio resume`, on a real SQLite file: which runs it takes
// over (and the clear refusals), and the epochs a crash left only in the checkpoint (written
// before the epoch's commit) recorded before training goes on.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resumeCliRun } from '../src/services/cli-run-recorder';
import { currentOwner, processStartId } from '../src/store/process-owner';
import { openStore, type Store } from '../src/store/store';
import type { EpochMetrics } from '../src/engine/types';

let dir: string;
let db: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-recorder-'));
  db = join(dir, 'studio.db');
  store = openStore(db);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const m = (epoch: number, validDice: number): EpochMetrics => ({
  epoch, trainDice: 0.5, trainBce: 0.4, trainDiceLoss: 0.5, validDice, validBce: 0.45, validDiceLoss: 1 - validDice, learningRate: 1e-3, seconds: 2, imagesPerSecond: 9,
});

/** The `checkpoint.json` the engine writes into `<runDir>/last` (only its metadata is read here). */
function writeLastMeta(runDir: string, history: EpochMetrics[]): void {
  mkdirSync(join(runDir, 'last'), { recursive: true });
  writeFileSync(
    join(runDir, 'last', 'checkpoint.json'),
    JSON.stringify({ format: 'seg-studio-checkpoint', version: 1, kind: 'last', epoch: history.length, config: {}, bestValidDice: 0, bestEpoch: 0, history, backend: 'cpu', savedAt: '', hasOptimizerState: false }),
  );
}

const started = { type: 'started', backend: 'cpu', device: 'cpu', detail: '', trainImages: 1, validImages: 1, testImages: 0, epochs: 4, startEpoch: 3, trainableParams: 1 } as const;

describe('resumeCliRun', () => {
  it('records the epochs only the checkpoint saw, with the best so far, then trains on', () => {
    const runDir = join(dir, 'run');
    const id = store.runs.create({ data: '/d', epochs: 4 }, { outputDir: runDir, owner: { pid: 999_999, host: hostname(), start: 'gone/1' } });
    store.runs.markRunning(id, { backend: 'cpu', device: 'cpu' });
    store.runs.recordEpoch(id, m(1, 0.3), { bestValidDice: 0.3, bestEpoch: 1 });
    // Killed after epoch 3's checkpoint was written, before epochs 2 and 3 were committed.
    writeLastMeta(runDir, [m(1, 0.3), m(2, 0.6), m(3, 0.5)]);

    const r = resumeCliRun({ dbPath: db, runId: id });
    try {
      expect(r.run.status).toBe('interrupted');
      expect(r.resumeFrom).toBe(join(runDir, 'last'));
      expect(r.config).toMatchObject({ epochs: 4, scheduleStartEpoch: 0 });
      expect(store.runs.get(id)).toMatchObject({ status: 'queued', workerPid: process.pid, ownerHost: hostname() });
      r.recorder.onEvent(started);
      const after = store.runs.get(id)!;
      expect(after).toMatchObject({ status: 'running', epochsDone: 3, bestValidDice: 0.6, bestEpoch: 2 });
      expect(after.metrics).toEqual([m(1, 0.3), m(2, 0.6), m(3, 0.5)]);
      r.recorder.onEvent({ type: 'epoch', metrics: m(4, 0.7), bestValidDice: 0.7, bestEpoch: 4, improved: true, checkpoint: '' });
      r.recorder.finish({ bestValidDice: 0.7, bestEpoch: 4, testDice: null, cancelled: false } as never);
    } finally {
      r.recorder.fail(new Error('closing')); // no-op once finished
    }
    expect(store.runs.get(id)).toMatchObject({ status: 'completed', epochsDone: 4, bestEpoch: 4, workerPid: null });
  });

  it('refuses, naming the run, what it cannot resume', async () => {
    expect(() => resumeCliRun({ dbPath: db, runId: 42 })).toThrow(`run 42 does not exist in ${db}`);

    // A run whose owner is alive (another process training it) is not taken away from it.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    try {
      const owner = { pid: child.pid!, host: hostname(), start: processStartId(child.pid!) };
      const live = store.runs.create({ data: '/d' }, { outputDir: join(dir, 'live'), owner });
      store.runs.markRunning(live, { backend: 'cpu', device: 'cpu', owner });
      expect(() => resumeCliRun({ dbPath: db, runId: live })).toThrow(`run ${live} is running in another process that is still alive`);
      expect(store.runs.get(live)!.workerPid).toBe(child.pid);
    } finally {
      child.kill('SIGKILL');
    }

    const done = store.runs.create({ data: '/d', epochs: 1 }, { outputDir: join(dir, 'done'), owner: currentOwner() });
    store.runs.markRunning(done, { backend: 'cpu', device: 'cpu' });
    store.runs.recordEpoch(done, m(1, 0.4), { bestValidDice: 0.4, bestEpoch: 1 });
    store.runs.finish(done, { testDice: null });
    expect(() => resumeCliRun({ dbPath: db, runId: done })).toThrow(`run ${done} already finished 1 epochs; ask for more than that`);
    // With more epochs it is taken, and with no checkpoint in its folder it starts from scratch.
    const r = resumeCliRun({ dbPath: db, runId: done, epochs: 2, schedule: 'restart' });
    expect(r.resumeFrom).toBeUndefined();
    // A restarted cosine starts at the epochs already done (the app's resume does the same).
    expect(r.config).toMatchObject({ epochs: 2, scheduleStartEpoch: 1 });
    r.recorder.fail(new Error('test over'));
    expect(store.runs.get(done)).toMatchObject({ status: 'failed', error: 'test over' });
  });
});
