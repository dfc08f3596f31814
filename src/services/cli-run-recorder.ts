// Records a `seg-studio train` run in the studio's database, so runs trained in a terminal show
// up in the app and in `seg-studio runs`, and lets `seg-studio resume` continue a recorded run in
// the CLI's own process. The CLI trains in its own process (no worker), so this recorder plays
// both roles: it writes each epoch (one transaction) and the run's status. It also makes the
// process a proper owner: a lease renewed while it lives (so a `kill -9`ed CLI is seen as gone
// by every reader) and a device claim (so the CLI and the app never train on one device at once).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseRunConfig, type RunConfig } from '../shared/run-config';
import { resumedScheduleStart, type ResumeSchedule } from '../engine/train/lr-schedule';
import type { TrainEvent, TrainResult } from '../engine/train/train-events';
import { LEASE_RENEW_MS } from '../store';
import { appPathsFor } from './app-paths';
import { epochsToBackfill, type BackfillEpoch } from './checkpoint-backfill';
import { describeHolder, deviceClaimKey, waitForDevice } from './device-claim';
import { startOwnerHeartbeat } from './owner-heartbeat';
import { openStudioStore } from './store-adapter';
import type { RunRecord, StudioStore } from './store-types';

export interface ClaimDeviceOptions {
  signal?: AbortSignal;
  /** A line for the user: the run waits for another run's device, or took over a dead one's claim. */
  onNotice?: (message: string) => void;
  pollMs?: number;
}

export interface CliRunRecorder {
  runId: number;
  dbPath: string;
  /**
   * Claims the run's device, waiting while another process's run trains on it (the CLI waits
   * rather than refuses: the same as a second run queued in the app). Aborting the signal while
   * waiting cancels the run and rejects with the signal's reason.
   */
  claimDevice(opts?: ClaimDeviceOptions): Promise<void>;
  /** Pass every train event here (after or before the CLI's own handling). */
  onEvent(event: TrainEvent): void;
  /** The run ended (completed, or cancelled when result.cancelled). */
  finish(result: TrainResult): void;
  /** The run threw. Never throws itself, so the caller's error is the one reported. */
  fail(err: unknown): void;
}

/** A run the CLI continues: its recorder, the config to train with and where to resume from. */
export interface CliResume {
  recorder: CliRunRecorder;
  run: RunRecord;
  config: RunConfig;
  outDir: string;
  /** `<outDir>/last` when a finished epoch left one; undefined: the run restarts from scratch. */
  resumeFrom: string | undefined;
}

export function recordCliRun(opts: { dbPath: string; config: RunConfig; outDir: string; name?: string }): CliRunRecorder {
  appPathsFor(opts.dbPath);
  const store: StudioStore = openStudioStore(opts.dbPath);
  try {
    const outDir = resolve(opts.outDir);
    const rec = store.runs.create({
      name: opts.name ?? `cli: ${opts.config.model} b${opts.config.base} ${opts.config.size}px`,
      config: opts.config,
      runDirFor: () => outDir,
    });
    return recorderFor(store, opts.dbPath, rec.id, opts.config);
  } catch (err) {
    store.close();
    throw err;
  }
}

/**
 * Takes over a stopped run (interrupted, failed, cancelled or completed with more epochs asked
 * for) for this process. A run whose owner is gone reads as interrupted here, so a crashed CLI
 * run can be resumed from another terminal without the app. Throws, naming the run and why,
 * when it cannot be resumed.
 */
export function resumeCliRun(opts: { dbPath: string; runId: number; epochs?: number; schedule?: ResumeSchedule }): CliResume {
  appPathsFor(opts.dbPath);
  const store: StudioStore = openStudioStore(opts.dbPath);
  try {
    store.runs.recoverInterrupted({ ownerless: false });
    const run = store.runs.get(opts.runId);
    if (!run) throw new Error(`run ${opts.runId} does not exist in ${opts.dbPath}`);
    if (run.status === 'queued' || run.status === 'running') {
      throw new Error(`run ${run.id} is ${run.status} in another process that is still alive; only a stopped run can be resumed`);
    }
    const epochs = opts.epochs ?? run.config.epochs;
    if (epochs <= run.epochsCompleted) {
      throw new Error(`run ${run.id} already finished ${run.epochsCompleted} epochs; ask for more than that (--epochs N)`);
    }
    if (!run.runDir) throw new Error(`run ${run.id} has no run folder recorded; it cannot be resumed`);
    // The same cosine choice as the app's resume (runs-service): stretch by default.
    const scheduleStartEpoch = resumedScheduleStart(run.config, run.epochsCompleted, opts.schedule ?? 'stretch');
    const config = parseRunConfig({ ...run.config, epochs, scheduleStartEpoch });
    const last = join(run.runDir, 'last');
    // The engine falls back to last.old when a crash hit the swap of last; no `last` at all
    // means the run died before its first epoch ended: it starts again from scratch.
    const resumeFrom = existsSync(join(last, 'checkpoint.json')) || existsSync(join(`${last}.old`, 'checkpoint.json')) ? last : undefined;
    const backfill = epochsToBackfill(resumeFrom, run.epochsCompleted);
    store.runs.requeue(run.id, config);
    return { recorder: recorderFor(store, opts.dbPath, run.id, config, backfill), run, config, outDir: run.runDir, resumeFrom };
  } catch (err) {
    store.close();
    throw err;
  }
}

function recorderFor(store: StudioStore, dbPath: string, runId: number, config: RunConfig, backfill: BackfillEpoch[] = []): CliRunRecorder {
  const stopHeartbeat = startOwnerHeartbeat(store);
  const device = deviceClaimKey(config);
  let claimed = false;
  let closed = false;
  let lastRenew = Date.now();
  const close = () => {
    if (closed) return;
    closed = true;
    stopHeartbeat();
    try {
      if (claimed) store.devices.release(device, runId);
    } finally {
      store.close();
    }
  };
  return {
    runId,
    dbPath,
    async claimDevice(opts = {}) {
      try {
        await waitForDevice(store, device, runId, {
          signal: opts.signal,
          pollMs: opts.pollMs,
          onWait: (h) => opts.onNotice?.(`waiting: ${describeHolder(h)}; this run starts when it is free (Ctrl-C to give up)`),
          onTakeOver: (h, reason) => opts.onNotice?.(`took over device ${device} from run ${h.runId}: ${reason}`),
        });
        claimed = true;
      } catch (err) {
        if (!closed) {
          store.runs.cancel(runId);
          close();
        }
        throw err;
      }
    },
    onEvent(e) {
      if (closed) return;
      if (e.type === 'started') {
        store.runs.markRunning(runId, { backend: e.backend, device: e.device });
        for (const b of backfill) store.runs.recordEpoch(runId, b.metrics, b.best);
      } else if (e.type === 'epoch') store.runs.recordEpoch(runId, e.metrics, { bestValidDice: e.bestValidDice, bestEpoch: e.bestEpoch });
      else if (e.type === 'planned') store.runs.planEpochs(runId, e.epochs);
      else if (e.type === 'progress' && Date.now() - lastRenew > LEASE_RENEW_MS) {
        // Also from the training loop itself: a loop that seldom yields to timers still renews.
        lastRenew = Date.now();
        store.renewLeases();
      }
    },
    finish(result) {
      if (closed) return;
      try {
        if (result.cancelled) store.runs.cancel(runId);
        else store.runs.finish(runId, { testDice: result.testDice, bestValidDice: result.bestValidDice, bestEpoch: result.bestEpoch });
      } finally {
        close();
      }
    },
    fail(err) {
      if (closed) return;
      try {
        store.runs.fail(runId, err instanceof Error ? err.message : String(err));
      } catch (recordErr) {
        // E.g. the run is no longer ours (another process marked it interrupted): say so, but
        // the training error stays the one the caller reports.
        process.emitWarning(`run ${runId}: could not record the failure: ${(recordErr as Error).message}`);
      } finally {
        close();
      }
    },
  };
}
