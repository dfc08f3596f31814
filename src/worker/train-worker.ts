// The training worker: one entry for an Electron utilityProcess and for a Node child started
// with child_process.fork (execArgv ['--import', 'tsx'], serialization 'advanced').
// It trains one run, records each finished epoch in SQLite itself (one transaction per epoch,
// WAL mode), so a parent that crashes or a worker that is killed mid-epoch never loses a
// finished epoch; the parent owns the run's status.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { train } from '../engine/train/train';
import type { TrainEvent } from '../engine/train/train-events';
import { epochsToBackfill } from '../services/checkpoint-backfill';
import { openStudioStore } from '../services/store-adapter';
import type { StudioStore } from '../services/store-types';
import type { FromWorker, ToWorker } from './messages';
import { connectToParent } from './worker-port';

const port = connectToParent();
const abort = new AbortController();
let running = false;

function post(m: FromWorker): void {
  port.post(m);
}

async function runTraining(msg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  let store: StudioStore | undefined;
  try {
    store = openStudioStore(msg.dbPath, { nativeBinding: msg.nativeBinding });
    const last = join(msg.runDir, 'last');
    // A run killed before its first epoch ended has no `last` yet: it restarts from scratch.
    const resumeFrom = msg.resume && (existsSync(join(last, 'checkpoint.json')) || existsSync(join(`${last}.old`, 'checkpoint.json'))) ? last : undefined;
    const s = store;
    // Epochs the checkpoint finished but the database never recorded (a crash between the two).
    let backfill = epochsToBackfill(resumeFrom, s.runs.get(msg.runId)?.epochsCompleted ?? 0);
    const onEvent = (e: TrainEvent): void => {
      switch (e.type) {
        case 'started':
          post({
            type: 'started',
            backend: e.backend,
            device: e.device,
            detail: e.detail,
            trainImages: e.trainImages,
            validImages: e.validImages,
            testImages: e.testImages,
            epochs: e.epochs,
            startEpoch: e.startEpoch,
          });
          break;
        case 'progress':
          post({ ...e, type: 'progress' });
          break;
        case 'epoch':
          // Committed before the parent hears of it: the database is the record, the message a notice.
          // (The parent marked the run running on `started`, long before the first epoch ends.)
          for (const b of backfill) s.runs.recordEpoch(msg.runId, b.metrics, b.best);
          backfill = [];
          s.runs.recordEpoch(msg.runId, e.metrics, { bestValidDice: e.bestValidDice, bestEpoch: e.bestEpoch });
          post({ type: 'epoch', metrics: e.metrics, bestValidDice: e.bestValidDice, bestEpoch: e.bestEpoch, improved: e.improved });
          break;
        case 'preview':
          post({ type: 'preview', epoch: e.epoch, size: e.size, samples: e.samples });
          break;
        case 'planned':
          // A time-budgeted run's plan: the record's epochs from now on.
          s.runs.planEpochs(msg.runId, e.epochs);
          break;
        case 'test':
          break;
      }
    };
    const result = await train({
      config: msg.config,
      outDir: msg.runDir,
      resumeFrom,
      onEvent,
      signal: abort.signal,
      previewCount: msg.previewCount,
      // The data folder is the database's: ImageNet encoder weights are cached there.
      dataDir: dirname(msg.dbPath),
    });
    post({
      type: 'finished',
      cancelled: result.cancelled,
      bestValidDice: result.bestValidDice,
      bestEpoch: result.bestEpoch,
      testDice: result.testDice,
      epochsCompleted: result.epochsCompleted,
      seconds: result.seconds,
      backend: result.backend,
      device: result.device,
    });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'failed', message: e.message, stack: e.stack });
  } finally {
    store?.close();
    // Give the IPC channel a moment to flush the last message, then leave: one run per process
    // keeps TensorFlow.js memory from leaking between runs.
    setTimeout(() => process.exit(0), 50);
  }
}

port.onMessage((msg) => {
  if (msg.type === 'start') {
    if (running) {
      post({ type: 'failed', message: 'this worker is already training a run' });
      return;
    }
    running = true;
    void runTraining(msg);
  } else if (msg.type === 'cancel') {
    abort.abort();
  }
});

// A forked child whose parent died has nobody to report to: stop at the next batch (finished
// epochs are already in SQLite; the next app start marks the run interrupted).
process.on('disconnect', () => abort.abort());

post({ type: 'ready', pid: process.pid });
