// Training time of a run is the sum of its epochs' own durations, read in one query for the runs
// list: a run stopped for an hour and resumed shows the minutes it trained, not the hour. Real
// SQLite file; the expected sums are the durations written, added here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../src/engine/train/checkpoint';
import { openStudioStore } from '../src/services/store-adapter';
import type { StudioStore } from '../src/services/store-types';
import { parseRunConfig } from '../src/shared/run-config';

let dir: string;
let store: StudioStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'training-time-'));
  store = openStudioStore(join(dir, 'studio.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = parseRunConfig({ data: resolve('/data/pets'), epochs: 5 });
const row = (epoch: number, seconds: number): EpochMetrics => ({
  epoch, trainDice: 0.5, trainBce: 0.4, trainDiceLoss: 0.5, validDice: 0.5, validBce: 0.45, validDiceLoss: 0.5, learningRate: 1e-3, seconds, imagesPerSecond: 30,
});

describe('training time per run', () => {
  it('sums each run\u2019s epoch durations, a re-trained epoch counted once, a run without epochs absent', () => {
    const runDirFor = (id: number) => join(dir, 'runs', `run-${id}`);
    const a = store.runs.create({ name: 'a', config, runDirFor });
    const b = store.runs.create({ name: 'b', config, runDirFor });
    const c = store.runs.create({ name: 'c', config, runDirFor });
    store.runs.markRunning(a.id, { backend: 'cpu', device: 'cpu' });
    store.runs.recordEpoch(a.id, row(1, 2.5), { bestValidDice: 0.5, bestEpoch: 1 });
    store.runs.recordEpoch(a.id, row(2, 3.25), { bestValidDice: 0.5, bestEpoch: 1 });
    // A resume re-trains epoch 2 (its checkpoint was not written): the new duration replaces the old.
    store.runs.recordEpoch(a.id, row(2, 4), { bestValidDice: 0.5, bestEpoch: 1 });
    store.runs.markRunning(b.id, { backend: 'cpu', device: 'cpu' });
    store.runs.recordEpoch(b.id, row(1, 10), { bestValidDice: 0.5, bestEpoch: 1 });
    const seconds = store.runs.trainingSeconds();
    expect(seconds.get(a.id)).toBeCloseTo(6.5, 12);
    expect(seconds.get(b.id)).toBeCloseTo(10, 12);
    expect(seconds.has(c.id)).toBe(false);
  });
});
