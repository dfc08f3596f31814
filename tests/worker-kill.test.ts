// A real training worker killed with SIGKILL mid-epoch: the run must end `interrupted` with
// every finished epoch in SQLite, the database intact, and resume must finish the run.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';

const FIXTURE = resolve('tests/fixtures/oxford-mini');
const EPOCHS = 3;

describe('training worker killed mid-epoch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-worker-kill-'));
  let services: StudioServices | undefined;

  afterAll(() => {
    services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves an interrupted run with its finished epochs, and resume completes it', async () => {
    const dbPath = join(dir, 'studio.db');
    services = createStudioServices({ dbPath, importRoots: [FIXTURE], previewCount: 2 });
    const s = services;
    const config = {
      data: FIXTURE,
      model: 'unet',
      base: 4,
      size: 32,
      epochs: EPOCHS,
      batchSize: 2,
      learningRate: 3e-3,
      seed: 7,
      backend: 'cpu',
      augment: { enabled: false },
    };

    // Kill at the first training batch of epoch 2: epoch 1 is committed, epoch 2 is half done.
    let killedAtEpoch = 0;
    const off = s.bus.on('run:progress', (p) => {
      if (killedAtEpoch === 0 && p.phase === 'train' && p.epoch === 2 && p.batch >= 1) {
        const pid = s.runs.workerPid(p.runId);
        expect(pid).toBeTypeOf('number');
        killedAtEpoch = p.epoch;
        process.kill(pid!, 'SIGKILL');
      }
    });
    const statuses: string[] = [];
    s.bus.on('run:status', (e) => statuses.push(e.status));

    const { runId } = s.runs.start({ config, name: 'kill test' });
    await s.runs.whenIdle();
    off();
    expect(killedAtEpoch).toBe(2);

    const afterKill = s.runs.get(runId);
    expect(afterKill.status).toBe('interrupted');
    expect(afterKill.error).toMatch(/SIGKILL/);
    expect(statuses).toEqual(['queued', 'running', 'interrupted']);
    // Epoch 1 finished before the kill; epoch 2 was cut off mid-way and must not appear.
    expect(afterKill.metrics.map((m) => m.epoch)).toEqual([1]);
    expect(afterKill.epochsCompleted).toBe(1);
    for (const m of afterKill.metrics) {
      expect(Number.isFinite(m.trainBce)).toBe(true);
      expect(m.validDice).toBeGreaterThanOrEqual(0);
      expect(m.validDice).toBeLessThanOrEqual(1);
    }

    // The file itself, read by a separate connection, is intact.
    const check = new Database(dbPath, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();

    s.runs.resume({ runId });
    await s.runs.whenIdle();
    const done = s.runs.get(runId);
    expect(done.status).toBe('completed');
    expect(done.epochsCompleted).toBe(EPOCHS);
    expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    // The epoch recorded before the crash is the same row, not a retrained one.
    expect(done.metrics[0]).toEqual(afterKill.metrics[0]);
    expect(done.bestValidDice).not.toBeNull();
  }, 240_000);
});
