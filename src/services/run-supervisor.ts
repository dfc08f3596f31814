// Runs one training in a worker process and turns its messages into store updates and bus
// events. The worker records epochs; the supervisor owns the run's status. A worker that
// disappears without saying `finished` or `failed` (crash, kill -9, out of memory) leaves an
// `interrupted` run whose finished epochs are intact and which resume continues from `last`.
import type { RunConfig } from '../shared/run-config';
import type { EventBus } from './event-bus';
import { writeRunPreview } from './run-preview-file';
import type { StudioStore } from './store-types';
import type { WorkerHandle, WorkerLauncher } from './worker-launcher';

export interface SupervisedRun {
  runId: number;
  config: RunConfig;
  runDir: string;
  resume: boolean;
}

export interface SupervisorDeps {
  store: StudioStore;
  bus: EventBus;
  launcher: WorkerLauncher;
  dbPath: string;
  workerNativeBinding?: string;
  previewCount: number;
  /** How long a cancelled worker gets to stop at a batch boundary before it is killed. */
  cancelGraceMs?: number;
}

export class RunSupervisor {
  private worker: WorkerHandle | undefined;
  private cancelRequested = false;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: SupervisorDeps,
    readonly run: SupervisedRun,
  ) {}

  get pid(): number | undefined {
    return this.worker?.pid;
  }

  cancel(): void {
    this.cancelRequested = true;
    if (!this.worker) return;
    this.worker.send({ type: 'cancel' });
    this.killTimer = setTimeout(() => this.worker?.kill(), this.deps.cancelGraceMs ?? 30_000);
  }

  /** Resolves when the worker process has exited and the run's status is final. */
  start(): Promise<void> {
    const { store, bus } = this.deps;
    const { runId } = this.run;
    return new Promise<void>((resolveDone) => {
      let settled = false;
      const worker = this.deps.launcher();
      this.worker = worker;
      worker.onMessage((m) => {
        switch (m.type) {
          case 'ready':
            worker.send({
              type: 'start',
              runId,
              config: this.run.config,
              runDir: this.run.runDir,
              resume: this.run.resume,
              dbPath: this.deps.dbPath,
              nativeBinding: this.deps.workerNativeBinding,
              previewCount: this.deps.previewCount,
            });
            if (this.cancelRequested) worker.send({ type: 'cancel' });
            break;
          case 'started':
            store.runs.markRunning(runId, { backend: m.backend, device: m.device });
            bus.emit('run:status', { runId, status: 'running', backend: m.backend, device: m.device });
            break;
          case 'progress':
            bus.emit('run:progress', { ...m, runId });
            break;
          case 'epoch':
            bus.emit('run:epoch', { runId, metrics: m.metrics, bestValidDice: m.bestValidDice, bestEpoch: m.bestEpoch, improved: m.improved });
            break;
          case 'preview': {
            const preview = { epoch: m.epoch, size: m.size, samples: m.samples.map((s) => ({ sampleId: s.id, dice: s.dice, mask: s.mask })) };
            bus.emit('run:preview', { runId, ...preview });
            try {
              writeRunPreview(this.run.runDir, preview);
            } catch (err) {
              process.emitWarning(`run ${runId}: could not keep its validation preview: ${(err as Error).message}`);
            }
            break;
          }
          case 'finished':
            settled = true;
            if (m.cancelled || this.cancelRequested) {
              store.runs.cancel(runId);
              bus.emit('run:status', { runId, status: 'cancelled', bestValidDice: m.bestValidDice >= 0 ? m.bestValidDice : null });
            } else {
              store.runs.finish(runId, { testDice: m.testDice, bestValidDice: m.bestValidDice, bestEpoch: m.bestEpoch });
              bus.emit('run:status', { runId, status: 'completed', bestValidDice: m.bestValidDice, testDice: m.testDice });
            }
            break;
          case 'failed':
            settled = true;
            store.runs.fail(runId, m.message);
            bus.emit('run:status', { runId, status: 'failed', error: m.message });
            break;
        }
      });
      worker.onExit((code, signal) => {
        if (this.killTimer) clearTimeout(this.killTimer);
        if (!settled) {
          if (this.cancelRequested) {
            store.runs.cancel(runId);
            bus.emit('run:status', { runId, status: 'cancelled' });
          } else {
            const reason = `training worker exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`})`;
            store.runs.markInterrupted(runId, reason);
            bus.emit('run:status', { runId, status: 'interrupted', error: reason });
          }
        }
        resolveDone();
      });
    });
  }
}
