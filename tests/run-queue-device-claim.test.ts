// The app's and the server's run queue respect a device claim held by another process (a CLI
// `train`, a second app on the same database): a started run stays queued, with no worker, until
// the holder gives the device back; a run cancelled while it waits never starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStudioServices } from '../src/services/studio-services';
import { deviceClaimKey } from '../src/services/device-claim';
import { parseRunConfig } from '../src/shared/run-config';
import { currentOwner } from '../src/store/process-owner';
import { openStore } from '../src/store/store';

const FIXTURE = resolve('tests/fixtures/oxford-mini');
const dir = mkdtempSync(join(tmpdir(), 'seg-queue-claim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run queue and device claims', () => {
  it('waits for another holder of the device, starts when it is released, and cancels while waiting', async () => {
    const dbPath = join(dir, 'studio.db');
    const services = createStudioServices({ dbPath, importRoots: [FIXTURE], previewCount: 0 });
    // The holder: a run on another connection; this process is alive, so its claim holds.
    const other = openStore(dbPath);
    try {
      const config = { data: FIXTURE, model: 'unet', base: 4, size: 32, epochs: 1, batchSize: 4, maxTrainImages: 4, seed: 5, backend: 'cpu', augment: { enabled: false } };
      const device = deviceClaimKey(parseRunConfig(config));
      const held = other.runs.create(config, { name: 'terminal run', owner: currentOwner() });
      other.runs.markRunning(held, { backend: 'cpu', device: 'cpu', owner: currentOwner() });
      expect(other.deviceClaims.claim(device, held, currentOwner())).toEqual({ acquired: true });

      const { runId } = services.runs.start({ config, name: 'queued behind it' });
      await new Promise((r) => setTimeout(r, 1200));
      expect(services.runs.get(runId).status).toBe('queued');
      expect(services.runs.workerPid(runId)).toBeUndefined();

      // A second one on the same device waits in this process's queue; cancelling it is immediate.
      const second = services.runs.start({ config, name: 'cancelled while waiting' });
      expect(services.runs.cancel(second.runId)).toEqual({ cancelled: true });
      // Cancelling the first while it waits for the claim works too, and it never starts.
      expect(services.runs.cancel(runId)).toEqual({ cancelled: true });
      await services.runs.whenIdle();
      expect(services.runs.get(runId)).toMatchObject({ status: 'cancelled', startedAt: null });
      expect(other.deviceClaims.get(device)!.runId).toBe(held);

      const third = services.runs.start({ config, name: 'runs once released' });
      await new Promise((r) => setTimeout(r, 800));
      expect(services.runs.get(third.runId).status).toBe('queued');
      other.runs.finish(held, { testDice: null });
      expect(other.deviceClaims.release(device, held, currentOwner())).toBe(true);
      await services.runs.whenIdle();
      expect(services.runs.get(third.runId)).toMatchObject({ status: 'completed', epochsCompleted: 1 });
      // Given back at the end.
      expect(other.deviceClaims.get(device)).toBeUndefined();
    } finally {
      other.close();
      services.close();
    }
  }, 120_000);
});
