// A real training worker killed with SIGKILL mid-epoch: the run must end `interrupted` with
// every finished epoch in SQLite, the database intact, and resume must finish the run. The
// resume first waits while another process (a CLI train, say) holds the device claim.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deviceClaimKey } from '../src/services/device-claim';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import { parseRunConfig } from '../src/shared/run-config';
import { currentOwner } from '../src/store/process-owner';
import { openStore } from '../src/store/store';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

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

    // Another process holds the CPU (this test plays it on a second connection): one training
    // per device across processes, so the queue waits for that claim.
    const other = openStore(dbPath);
    const device = deviceClaimKey(parseRunConfig(config));
    const holder = other.runs.create(config, { name: 'terminal run', owner: currentOwner() });
    other.runs.markRunning(holder, { backend: 'cpu', device: 'cpu', owner: currentOwner() });
    expect(other.deviceClaims.claim(device, holder, currentOwner())).toEqual({ acquired: true });

    // A run that waits for the claim can be cancelled, and never starts.
    const waiting = s.runs.start({ config, name: 'cancelled while waiting' });
    await until('the new run to wait for the holder', () => s.runs.get(waiting.runId).waitingFor?.runId === holder);
    expect(s.runs.cancel(waiting.runId)).toEqual({ cancelled: true });
    await until('the cancelled run to leave the queue', () => s.runs.get(waiting.runId).status === 'cancelled');

    s.runs.resume({ runId });
    await until('the resume to wait for the holder', () => s.runs.get(runId).waitingFor?.runId === holder);
    await sleep(1000);
    expect(s.runs.get(runId)).toMatchObject({ status: 'queued', waitingFor: { runId: holder, device: 'cpu' } });
    expect(s.runs.workerPid(runId)).toBeUndefined();
    other.runs.finish(holder, { testDice: null });
    expect(other.deviceClaims.release(device, holder, currentOwner())).toBe(true);

    await s.runs.whenIdle();
    expect(s.runs.get(waiting.runId)).toMatchObject({ status: 'cancelled', startedAt: null, epochsCompleted: 0 });
    // The resumed run gave the device back when it ended.
    expect(other.deviceClaims.get(device)).toBeUndefined();
    other.close();
    const done = s.runs.get(runId);
    expect(done.status).toBe('completed');
    expect(done.epochsCompleted).toBe(EPOCHS);
    expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    // The epoch recorded before the crash is the same row, not a retrained one.
    expect(done.metrics[0]).toEqual(afterKill.metrics[0]);
    expect(done.bestValidDice).not.toBeNull();
  }, 240_000);
});
