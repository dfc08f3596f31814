// "Keep the model fresh" (issue 13, opt-in per dataset): after every N saved masks the chosen
// plain run is fine-tuned on the grown label set for a short budget. Each fine-tune is a NEW run
// continuing the chosen one's weights (RunsService.continueRun: the user's run is never changed),
// queued at low priority on the per-device RunQueue, so it never trains beside a user's run and
// any user run queued meanwhile goes first; other processes' runs hold it off through the device
// claim. When it completes it becomes the dataset's current model: the queue (which names the run
// and checkpoint epoch of every ranking) rescoring with it at its next call, since its cache is
// keyed by checkpoint. At most one fine-tune per dataset waits or runs at a time; saves made
// meanwhile count toward the next one.
//
// The settings live in the data folder (keep-fresh.json, written atomically), not in SQLite:
// they are a few numbers per dataset and need no query.
import { existsSync, readFileSync } from 'node:fs';
import { StudioError, type KeepFreshSettings } from '../shared/contract';
import { writeFileAtomic } from './atomic-write';
import type { EventBus } from './event-bus';
import type { RunsService } from './runs-service';
import type { StudioStore } from './store-types';

export const DEFAULT_EVERY_MASKS = 10;
export const DEFAULT_FINE_TUNE_MINUTES = 2;
/** The most epochs one fine-tune may plan, whatever its budget. */
const MAX_FINE_TUNE_EPOCHS = 200;

export interface KeepFreshDeps {
  store: StudioStore;
  runs: Pick<RunsService, 'continueRun'>;
  bus: EventBus;
  /** The settings file (the data folder's keep-fresh.json). */
  file: string;
}

type SettingsFile = Record<string, KeepFreshSettings>;

export class KeepFreshService {
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: KeepFreshDeps) {
    // A finished fine-tune updates the settings at once, so the queue's next call uses it.
    this.unsubscribe = deps.bus.subscribe((m) => {
      if (m.event === 'run:status') this.settle();
    });
  }

  close(): void {
    this.unsubscribe();
  }

  settings(datasetId: number): KeepFreshSettings {
    this.settle();
    return this.read()[datasetId] ?? defaults(datasetId);
  }

  configure(input: { datasetId: number; enabled: boolean; everyMasks?: number; minutes?: number; runId?: number | null }): KeepFreshSettings {
    const all = this.read();
    const cur = all[input.datasetId] ?? defaults(input.datasetId);
    const runId = input.runId === undefined ? cur.runId : input.runId;
    if (runId !== null) {
      const run = this.deps.store.runs.get(runId);
      if (!run) throw new StudioError('NOT_FOUND', `run ${runId} does not exist`);
      if (run.config.interactive?.enabled) throw new StudioError('INVALID_ARGUMENT', `run ${runId} is a click-to-segment run; keep-fresh fine-tunes a plain run`);
    }
    if (input.enabled && runId === null) throw new StudioError('INVALID_ARGUMENT', 'choose the run to keep fresh');
    const next: KeepFreshSettings = {
      ...cur,
      enabled: input.enabled,
      everyMasks: input.everyMasks ?? cur.everyMasks,
      minutes: input.minutes ?? cur.minutes,
      runId,
      // Another run chosen: its count starts over.
      savedSince: runId === cur.runId ? cur.savedSince : 0,
    };
    all[input.datasetId] = next;
    this.write(all);
    return next;
  }

  /** The run the dataset's queue ranks with: the kept-fresh run (its latest completed fine-tune), when enabled. */
  currentRun(datasetId: number): number | null {
    const s = this.settings(datasetId);
    return s.enabled ? s.runId : null;
  }

  /** Called after each saved mask; returns the fine-tune run queued by this save, if any. */
  onMaskSaved(datasetId: number): { queuedRunId: number | null } {
    this.settle();
    const all = this.read();
    const s = all[datasetId];
    if (!s?.enabled || s.runId === null) return { queuedRunId: null };
    s.savedSince++;
    let queuedRunId: number | null = null;
    if (s.savedSince >= s.everyMasks && s.pendingRunId === null) {
      // The mask is already saved: a fine-tune that cannot be queued now (its run is being resumed,
      // its folder is gone) is reported in the settings and tried again at the next save.
      try {
        const { runId } = this.deps.runs.continueRun({
          sourceRunId: s.runId,
          extraEpochs: this.epochsFor(s.runId, s.minutes),
          name: `keep-fresh of run ${s.runId} (dataset ${datasetId}, ${s.history.length + 1})`,
          priority: 'low',
        });
        queuedRunId = runId;
        s.pendingRunId = runId;
        s.history = [...s.history, runId];
        s.savedSince = 0;
        s.lastError = null;
      } catch (err) {
        s.lastError = `could not queue a fine-tune of run ${s.runId}: ${(err as Error).message}`;
      }
    }
    this.write(all);
    return { queuedRunId };
  }

  /** Epochs that fit the budget at the source run's mean epoch time (a larger label set makes them a little longer). */
  private epochsFor(runId: number, minutes: number): number {
    const secs = this.deps.store.runs.metrics(runId).map((m) => m.seconds).filter((v) => Number.isFinite(v) && v > 0);
    const mean = secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : 60;
    return Math.max(1, Math.min(MAX_FINE_TUNE_EPOCHS, Math.floor((minutes * 60) / mean)));
  }

  /** A pending fine-tune that ended: completed → it becomes the current run; failed or cancelled → dropped. */
  private settle(): void {
    const all = this.read();
    let changed = false;
    for (const s of Object.values(all)) {
      if (s.pendingRunId === null) continue;
      const status = this.deps.store.runs.status(s.pendingRunId);
      if (status === 'queued' || status === 'running') continue;
      if (status === 'completed') s.runId = s.pendingRunId;
      s.pendingRunId = null;
      changed = true;
    }
    if (changed) this.write(all);
  }

  private read(): SettingsFile {
    if (!existsSync(this.deps.file)) return {};
    try {
      return JSON.parse(readFileSync(this.deps.file, 'utf8')) as SettingsFile;
    } catch (err) {
      // Never silently reset a user's settings: say which file is broken.
      throw new StudioError('INTERNAL', `${this.deps.file}: unreadable keep-fresh settings (${(err as Error).message})`);
    }
  }

  private write(all: SettingsFile): void {
    writeFileAtomic(this.deps.file, new TextEncoder().encode(JSON.stringify(all, null, 2)));
  }
}

function defaults(datasetId: number): KeepFreshSettings {
  return { datasetId, enabled: false, everyMasks: DEFAULT_EVERY_MASKS, minutes: DEFAULT_FINE_TUNE_MINUTES, runId: null, savedSince: 0, pendingRunId: null, history: [], lastError: null };
}
