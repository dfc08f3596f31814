// Records a `seg-studio train` run in the studio's database, so runs trained in a terminal show
// up in the app and in `seg-studio runs`. The CLI trains in its own process (no worker), so this
// recorder plays both roles: it writes each epoch (one transaction) and the run's status.
import { resolve } from 'node:path';
import type { RunConfig } from '../shared/run-config';
import type { TrainEvent, TrainResult } from '../engine/train/train-events';
import { appPathsFor } from './app-paths';
import { openStudioStore } from './store-adapter';
import type { StudioStore } from './store-types';

export interface CliRunRecorder {
  runId: number;
  dbPath: string;
  /** Pass every train event here (after or before the CLI's own handling). */
  onEvent(event: TrainEvent): void;
  /** The run ended (completed, or cancelled when result.cancelled). */
  finish(result: TrainResult): void;
  /** The run threw. */
  fail(err: unknown): void;
}

export function recordCliRun(opts: { dbPath: string; config: RunConfig; outDir: string; name?: string }): CliRunRecorder {
  appPathsFor(opts.dbPath);
  const store: StudioStore = openStudioStore(opts.dbPath);
  const outDir = resolve(opts.outDir);
  const rec = store.runs.create({
    name: opts.name ?? `cli: ${opts.config.model} b${opts.config.base} ${opts.config.size}px`,
    config: opts.config,
    runDirFor: () => outDir,
  });
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      store.close();
    }
  };
  return {
    runId: rec.id,
    dbPath: opts.dbPath,
    onEvent(e) {
      if (closed) return;
      if (e.type === 'started') store.runs.markRunning(rec.id, { backend: e.backend, device: e.device });
      else if (e.type === 'epoch') store.runs.recordEpoch(rec.id, e.metrics, { bestValidDice: e.bestValidDice, bestEpoch: e.bestEpoch });
    },
    finish(result) {
      if (closed) return;
      if (result.cancelled) store.runs.cancel(rec.id);
      else store.runs.finish(rec.id, { testDice: result.testDice, bestValidDice: result.bestValidDice, bestEpoch: result.bestEpoch });
      close();
    },
    fail(err) {
      if (closed) return;
      store.runs.fail(rec.id, err instanceof Error ? err.message : String(err));
      close();
    },
  };
}
