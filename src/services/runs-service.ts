// Runs: presets, config validation, enqueue → worker → events, cancel, resume, estimates.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig, RUN_PRESETS, runConfigSchema, type RunConfig } from '../shared/run-config';
import {
  StudioError,
  type ConfigValidation,
  type EpochEstimate,
  type RunDetail,
  type RunPreset,
  type RunSummary,
} from '../shared/contract';
import { deviceClaimKey, waitForDevice } from './device-claim';
import { checkDatasetFolder } from '../engine/data/import-dataset';
import { resolveDataPath } from '../engine/data/resolve-data-path';
import { resumedScheduleStart, type ResumeSchedule } from '../engine/train/lr-schedule';
import { readRunPreview } from './run-preview-file';
import type { EventBus } from './event-bus';
import { RunQueue, deviceKeyFor, type RunPriority } from './run-queue';
import { readCheckpointMeta, resolveCheckpointDir } from '../engine/train/checkpoint';
import { RunSupervisor } from './run-supervisor';
import type { RunRecord, StudioStore } from './store-types';
import type { WorkerLauncher } from './worker-launcher';

export interface RunsServiceDeps {
  store: StudioStore;
  bus: EventBus;
  launcher: WorkerLauncher;
  dbPath: string;
  runsFolder: string;
  workerNativeBinding?: string;
  /** Validation masks sent to the UI after each epoch. */
  previewCount?: number;
  /** Counts training images of a config's dataset (for estimates). */
  countTrainImages: (config: RunConfig) => Promise<number>;
  /**
   * The path policy for a config's dataset folder (PATH_REFUSED outside the folders this host
   * may read), asked before the disk is, so a refusal says nothing about whether the path exists.
   */
  allowData?: (data: string) => void;
}

function toSummary(r: RunRecord): Omit<RunSummary, 'trainingSeconds' | 'waitingFor'> {
  const { config: _config, ...rest } = r;
  return rest;
}

export class RunsService {
  private readonly queue = new RunQueue();
  private readonly supervisors = new Map<number, RunSupervisor>();
  /** Runs this process dequeued and that wait for another process to give their device back. */
  private readonly waitingForDevice = new Map<number, AbortController>();
  /** For those: the other process's run that holds the device. */
  private readonly deviceHolders = new Map<number, number>();

  constructor(private readonly deps: RunsServiceDeps) {}

  /**
   * Marks runs whose owning process is gone (a crashed app, a `kill -9`ed CLI train) as
   * interrupted, and tells the UI. At start-up also runs with no owner recorded (`ownerless`);
   * every list/get/resume checks again, so a CLI run that died while this process was up shows
   * up as interrupted (and resumable) without a restart.
   */
  recover(opts: { ownerless?: boolean } = {}): number[] {
    const ids = this.deps.store.runs.recoverInterrupted({ ownerless: opts.ownerless ?? true });
    for (const runId of ids) {
      const error = this.deps.store.runs.get(runId)?.error ?? 'the process that owned this run stopped';
      this.deps.bus.emit('run:status', { runId, status: 'interrupted', error });
    }
    return ids;
  }

  presets(): RunPreset[] {
    return Object.entries(RUN_PRESETS).map(([name, p]) => ({ name, description: p.description, config: p.config }));
  }

  validate(config: unknown): ConfigValidation {
    const r = runConfigSchema.safeParse(config);
    if (r.success) {
      try {
        this.deps.allowData?.(r.data.data);
      } catch (err) {
        if (!(err instanceof StudioError) || err.code !== 'PATH_REFUSED') throw err;
        return { valid: false, issues: [{ path: 'data', message: err.message }] };
      }
      return { valid: true, config: r.data, issues: [] };
    }
    return { valid: false, issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }

  private parse(config: unknown): RunConfig {
    try {
      return parseRunConfig(config);
    } catch (err) {
      throw new StudioError('INVALID_ARGUMENT', (err as Error).message);
    }
  }

  /** The dataset must be there before a run is queued, rather than fail later in its worker. */
  private checkData(data: string): void {
    this.deps.allowData?.(data);
    try {
      checkDatasetFolder(resolveDataPath(data));
    } catch (err) {
      throw new StudioError('INVALID_ARGUMENT', (err as Error).message);
    }
  }

  start(input: { config?: unknown; name?: string }): { runId: number } {
    const config = this.parse(input.config);
    this.checkData(config.data);
    // A user's ImageNet encoder file is read by the worker: the same path policy as the dataset.
    if (config.encoderWeightsPath) this.deps.allowData?.(config.encoderWeightsPath);
    const name = input.name?.trim() || `${config.model} b${config.base} ${config.size}px`;
    const rec = this.deps.store.runs.create({ name, config, runDirFor: (id) => join(this.deps.runsFolder, `run-${id}`) });
    this.deps.bus.emit('run:status', { runId: rec.id, status: 'queued' });
    this.schedule(rec.id, config, rec.runDir, false);
    return { runId: rec.id };
  }

  resume(input: { runId: number; epochs?: number; schedule?: ResumeSchedule }): { runId: number } {
    this.recover({ ownerless: false });
    const rec = this.mustGet(input.runId);
    // A run whose row is finished may still have a supervisor for the moment its worker takes to
    // exit; the per-device queue starts the resumed job only after that one has ended.
    if (rec.status === 'running' || rec.status === 'queued' || this.queue.isQueued(rec.id)) {
      throw new StudioError('CONFLICT', `run ${rec.id} is ${rec.status}; only a stopped run can be resumed`);
    }
    const epochs = input.epochs ?? rec.config.epochs;
    if (epochs <= rec.epochsCompleted) {
      throw new StudioError('INVALID_ARGUMENT', `run ${rec.id} already finished ${rec.epochsCompleted} epochs; ask for more than that`);
    }
    const scheduleStartEpoch = resumedScheduleStart(rec.config, rec.epochsCompleted, input.schedule ?? 'stretch');
    const config = this.parse({ ...rec.config, epochs, scheduleStartEpoch });
    this.checkData(config.data);
    this.deps.store.runs.requeue(rec.id, config);
    this.deps.bus.emit('run:status', { runId: rec.id, status: 'queued' });
    this.schedule(rec.id, config, rec.runDir, true);
    return { runId: rec.id };
  }

  /**
   * A new run that continues another run's weights (keep-fresh fine-tunes): the source's last and
   * best checkpoints are copied into the new run's folder and it resumes for `extraEpochs` more
   * epochs with a cosine of their own. The source run is never changed.
   */
  continueRun(input: { sourceRunId: number; extraEpochs: number; name?: string; priority?: RunPriority }): { runId: number } {
    this.recover({ ownerless: false });
    const src = this.mustGet(input.sourceRunId);
    if (src.status === 'running' || src.status === 'queued') {
      throw new StudioError('CONFLICT', `run ${src.id} is ${src.status}; its checkpoints are still being written`);
    }
    let lastDir: string;
    let bestDir: string;
    try {
      lastDir = resolveCheckpointDir(join(src.runDir, 'last'));
      bestDir = resolveCheckpointDir(join(src.runDir, 'best'));
    } catch {
      throw new StudioError('NOT_FOUND', `run ${src.id} has no checkpoint to continue from (no finished epoch)`);
    }
    const epochsDone = readCheckpointMeta(lastDir).epoch;
    const scheduleStartEpoch = resumedScheduleStart(src.config, epochsDone, 'restart');
    const config = this.parse({ ...src.config, epochs: epochsDone + Math.max(1, Math.round(input.extraEpochs)), scheduleStartEpoch, minutes: undefined });
    this.checkData(config.data);
    const rec = this.deps.store.runs.create({
      name: input.name ?? `${src.name} (continued)`,
      config,
      runDirFor: (id) => join(this.deps.runsFolder, `run-${id}`),
    });
    cpSync(lastDir, join(rec.runDir, 'last'), { recursive: true });
    cpSync(bestDir, join(rec.runDir, 'best'), { recursive: true });
    this.deps.bus.emit('run:status', { runId: rec.id, status: 'queued' });
    this.schedule(rec.id, config, rec.runDir, true, input.priority);
    return { runId: rec.id };
  }

  private schedule(runId: number, config: RunConfig, runDir: string, resume: boolean, priority: RunPriority = 'normal'): void {
    this.queue.enqueue(runId, deviceKeyFor(config), async () => {
      // Cancelled while waiting: nothing to start.
      if (this.deps.store.runs.status(runId) !== 'queued') return;
      // The queue keeps this process to one run per device; the claim keeps other processes
      // (a CLI train, another app or server on the same database) off it too.
      const device = deviceClaimKey(config);
      const waiting = new AbortController();
      this.waitingForDevice.set(runId, waiting);
      try {
        await waitForDevice(this.deps.store, device, runId, { signal: waiting.signal, onWait: (h) => this.deviceHolders.set(runId, h.runId) });
      } catch (err) {
        if (waiting.signal.aborted) return; // cancelled while waiting (cancel() recorded it)
        const message = `could not claim device ${device}: ${(err as Error).message}`;
        this.deps.store.runs.fail(runId, message);
        this.deps.bus.emit('run:status', { runId, status: 'failed', error: message });
        return;
      } finally {
        this.waitingForDevice.delete(runId);
        this.deviceHolders.delete(runId);
      }
      try {
        await this.supervise(runId, config, runDir, resume);
      } finally {
        this.deps.store.devices.release(device, runId);
      }
    }, priority);
  }

  private async supervise(runId: number, config: RunConfig, runDir: string, resume: boolean): Promise<void> {
    const sup = new RunSupervisor(
      {
        store: this.deps.store,
        bus: this.deps.bus,
        launcher: this.deps.launcher,
        dbPath: this.deps.dbPath,
        workerNativeBinding: this.deps.workerNativeBinding,
        previewCount: this.deps.previewCount ?? 4,
      },
      { runId, config, runDir, resume },
    );
    this.supervisors.set(runId, sup);
    try {
      await sup.start();
    } finally {
      this.supervisors.delete(runId);
    }
  }

  cancel(runId: number): { cancelled: boolean } {
    const rec = this.mustGet(runId);
    const waiting = this.waitingForDevice.get(runId);
    if (this.queue.dequeue(runId) || waiting) {
      waiting?.abort();
      this.deps.store.runs.cancel(runId);
      this.deps.bus.emit('run:status', { runId, status: 'cancelled' });
      return { cancelled: true };
    }
    const sup = this.supervisors.get(runId);
    // The row turns `completed` a moment before its worker exits: a finished run is not cancelled.
    if (sup && (rec.status === 'queued' || rec.status === 'running')) {
      sup.cancel();
      return { cancelled: true };
    }
    if (rec.status === 'queued' || rec.status === 'running') {
      // A row from another process (e.g. `seg-studio train` in a terminal) that this one does not drive.
      throw new StudioError('CONFLICT', `run ${runId} is ${rec.status} in another process; cancel it there`);
    }
    return { cancelled: false };
  }

  list(limit: number): RunSummary[] {
    this.recover({ ownerless: false });
    const seconds = this.deps.store.runs.trainingSeconds();
    return this.deps.store.runs.list(limit).map((r) => this.summarize(r, seconds.get(r.id) ?? 0));
  }

  get(runId: number): RunDetail {
    this.recover({ ownerless: false });
    const rec = this.mustGet(runId);
    const metrics = this.deps.store.runs.metrics(runId);
    const trainingSeconds = metrics.reduce((a, m) => a + (Number.isFinite(m.seconds) ? m.seconds : 0), 0);
    return { ...this.summarize(rec, trainingSeconds), config: rec.config, metrics, preview: readRunPreview(rec.runDir) };
  }

  /** Training time is the epochs' own durations: time a run sat stopped before a resume is not in it. */
  private summarize(rec: RunRecord, trainingSeconds: number): RunSummary {
    return { ...toSummary(rec), trainingSeconds, waitingFor: this.waitingFor(rec) };
  }

  /** What a queued run waits for: the run training on its device here, or in another process. */
  private waitingFor(rec: RunRecord): RunSummary['waitingFor'] {
    if (rec.status !== 'queued') return null;
    const device = deviceKeyFor(rec.config);
    const holder = this.deviceHolders.get(rec.id) ?? this.queue.activeOn(device);
    return holder !== undefined && holder !== rec.id ? { runId: holder, device } : null;
  }

  /** The worker's process id while the run trains (tests kill it to simulate a crash). */
  workerPid(runId: number): number | undefined {
    return this.supervisors.get(runId)?.pid;
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  async estimateEpoch(input: { config?: unknown }): Promise<EpochEstimate> {
    const config = this.parse(input.config);
    const trainImages = await this.deps.countTrainImages(config);
    // Cost of a UNet step grows with pixels and with channels squared; scale finished epochs of
    // comparable runs (same model and backend) by that ratio, the closest ones weighing most.
    const cost = (c: RunConfig) => c.size * c.size * c.base * c.base;
    const samples: Array<{ ips: number; weight: number }> = [];
    for (const r of this.deps.store.runs.list(1000)) {
      if (r.config.model !== config.model) continue;
      if (r.backend && config.backend !== 'auto' && r.backend !== config.backend) continue;
      const ms = this.deps.store.runs.metrics(r.id).filter((m) => m.imagesPerSecond > 0);
      if (ms.length === 0) continue;
      // The first epoch carries warm-up (kernel compilation); prefer the later ones.
      const use = ms.length > 1 ? ms.slice(1) : ms;
      const ips = use.reduce((a, m) => a + m.imagesPerSecond, 0) / use.length;
      const ratio = cost(r.config) / cost(config);
      const weight = 1 / (1 + Math.abs(Math.log(ratio)));
      samples.push({ ips: ips * ratio, weight });
    }
    if (samples.length === 0) {
      throw new StudioError(
        'NOT_FOUND',
        `no finished epoch of a ${config.model} run on this backend yet: start a short run (e.g. 1 epoch) to measure this machine`,
      );
    }
    const wsum = samples.reduce((a, s) => a + s.weight, 0);
    const imagesPerSecond = samples.reduce((a, s) => a + s.ips * s.weight, 0) / wsum;
    const perEpoch = config.maxTrainImages > 0 ? Math.min(trainImages, config.maxTrainImages) : trainImages;
    return { secondsPerEpoch: perEpoch / imagesPerSecond, imagesPerSecond, trainImages: perEpoch, basis: 'history' };
  }

  private mustGet(runId: number): RunRecord {
    const rec = this.deps.store.runs.get(runId);
    if (!rec) throw new StudioError('NOT_FOUND', `run ${runId} does not exist`);
    return rec;
  }
}
