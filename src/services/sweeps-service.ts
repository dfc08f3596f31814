// Sweeps (issue 14): a grid of run configurations, each trained as an ordinary run, one after
// another, then ranked by best valid Dice with the winner's settings one step from a new run.
//
// Two drivers share this file's bookkeeping. `seg-studio sweep` trains the configurations in its
// own process one at a time (`nextStep` → train → repeat). The app (`sweeps.start`) hands every
// configuration to the runs service at once: its per-device queue already trains them one after
// another, and each is an ordinary queued run the runs page shows and can cancel.
//
// Resuming (`sweeps.resume`, `seg-studio sweep --resume ID`): configurations whose run completed
// or failed are kept as they are (a failed one would fail again); one whose run was interrupted
// (its process died) or cancelled is RESUMED from its `last` checkpoint (from scratch when it never
// finished an epoch), keeping the epochs it planned; configurations without a run are started.
import { MAX_EPOCHS, parseRunConfig, RUN_PRESETS, type RunConfig, type RunConfigInput } from '../shared/run-config';
import { StudioError, type SweepDetail, type SweepRankedRun, type SweepSettings, type SweepStatus, type SweepSummary } from '../shared/contract';
import { describeSettings, expandGrid, formatGrid, parseGrid, sweepBase } from '../shared/sweep-grid';
import type { RunsService } from './runs-service';
import type { RunRecord, StoredSweep, StudioStore } from './store-types';

export interface SweepInput {
  /** The dataset folder every configuration trains on (or `config.data`). */
  data?: string;
  /** A whole base config (the run form's), instead of a preset: the grid varies it. */
  config?: Record<string, unknown>;
  /** 'size=128,160;lr=1e-3,2e-3' */
  grid: string;
  /** Time budget per configuration; without it, the preset's (or grid's) epochs. */
  minutesEach?: number;
  preset?: string;
  /** Explicit epochs (with minutesEach: the most each may plan). */
  epochs?: number;
  backend?: string;
  name?: string;
}

/** What a sweep's driver does next. */
export type SweepStep =
  | { kind: 'start'; position: number; settings: SweepSettings; config: RunConfig }
  | { kind: 'resume'; position: number; settings: SweepSettings; runId: number; status: string }
  | { kind: 'busy'; position: number; runId: number }
  | { kind: 'done' };

const ENDED = new Set(['completed', 'failed']);

/** Validates the grid against the base config and records the sweep (no run yet). */
export function createSweep(store: StudioStore, input: SweepInput): StoredSweep {
  let preset: Partial<RunConfigInput> | undefined = input.config as Partial<RunConfigInput> | undefined;
  if (input.preset !== undefined) {
    const p = RUN_PRESETS[input.preset];
    if (!p) throw new StudioError('INVALID_ARGUMENT', `unknown preset "${input.preset}" (${Object.keys(RUN_PRESETS).join(', ')})`);
    preset = p.config;
  }
  if (input.minutesEach !== undefined && !(input.minutesEach > 0)) throw new StudioError('INVALID_ARGUMENT', 'minutes each must be greater than 0');
  let plans;
  let grid;
  const data = input.data ?? (typeof input.config?.data === 'string' ? input.config.data : undefined);
  if (!data) throw new StudioError('INVALID_ARGUMENT', 'a sweep needs a dataset folder');
  // A whole config (the run form's) keeps its own epochs as the cap of each budget.
  const epochs = input.epochs ?? (input.config && typeof input.config.epochs === 'number' ? input.config.epochs : undefined);
  const base = sweepBase({ preset, data, minutesEach: input.minutesEach, epochs, backend: input.backend });
  delete (base as Record<string, unknown>).minutes;
  try {
    grid = parseGrid(input.grid);
    plans = expandGrid(base, grid, input.minutesEach);
  } catch (err) {
    throw new StudioError('INVALID_ARGUMENT', (err as Error).message);
  }
  const name = input.name?.trim() || `sweep ${formatGrid(grid)}${input.minutesEach !== undefined ? `, ${input.minutesEach} min each` : ''}`;
  const id = store.sweeps.create({
    name,
    baseConfig: { ...base, ...(input.preset ? { preset: input.preset } : {}) },
    grid,
    minutesEach: input.minutesEach ?? null,
    configurations: plans,
  });
  return store.sweeps.get(id)!;
}

export function mustGetSweep(store: StudioStore, id: number): StoredSweep {
  const s = store.sweeps.get(id);
  if (!s) throw new StudioError('NOT_FOUND', `sweep ${id} does not exist`);
  return s;
}

/** The run name of a configuration: the sweep and its settings. */
export function sweepRunName(sweep: StoredSweep, position: number): string {
  return `sweep ${sweep.id} #${position + 1}: ${describeSettings(sweep.configurations[position]!.settings)}`;
}

/**
 * The first configuration not yet finished, and what it needs: a run started, a stopped run
 * resumed, or nothing while its run is still queued/training in some process (`busy`).
 * Runs whose owner is gone must have been marked interrupted by the caller first.
 */
export function nextStep(store: StudioStore, sweep: StoredSweep): SweepStep {
  for (const c of sweep.configurations) {
    if (c.runId === null) return { kind: 'start', position: c.position, settings: c.settings, config: c.config };
    const run = store.runs.get(c.runId);
    if (!run) return { kind: 'start', position: c.position, settings: c.settings, config: c.config };
    if (ENDED.has(run.status)) continue;
    if (run.status === 'queued' || run.status === 'running') return { kind: 'busy', position: c.position, runId: run.id };
    return { kind: 'resume', position: c.position, settings: c.settings, runId: run.id, status: run.status };
  }
  return { kind: 'done' };
}

/** The configurations with their runs' numbers, best valid Dice first; runs without an epoch last. */
export function sweepDetail(store: StudioStore, sweep: StoredSweep): SweepDetail {
  const seconds = store.runs.trainingSeconds();
  const rows: SweepRankedRun[] = sweep.configurations.map((c) => {
    const run: RunRecord | undefined = c.runId !== null ? store.runs.get(c.runId) : undefined;
    const metrics = run ? store.runs.metrics(run.id) : [];
    const speeds = metrics.map((m) => m.imagesPerSecond).filter((v) => Number.isFinite(v));
    return {
      rank: null,
      position: c.position,
      settings: c.settings,
      runId: run?.id ?? null,
      status: run?.status ?? 'pending',
      bestValidDice: run?.bestValidDice ?? null,
      bestEpoch: run?.bestEpoch ?? null,
      testDice: run?.testDice ?? null,
      epochsCompleted: run?.epochsCompleted ?? 0,
      seconds: run ? (seconds.get(run.id) ?? 0) : 0,
      imagesPerSecond: speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null,
      // The configuration as the sweep made it (before a budget planned its epochs): what a new run repeats.
      config: c.config,
    };
  });
  const scored = (r: SweepRankedRun) => r.bestValidDice !== null && Number.isFinite(r.bestValidDice);
  rows.sort((a, b) => {
    if (scored(a) !== scored(b)) return scored(a) ? -1 : 1;
    if (scored(a)) return b.bestValidDice! - a.bestValidDice! || a.seconds - b.seconds || a.position - b.position;
    return a.position - b.position;
  });
  rows.forEach((r, i) => (r.rank = scored(r) ? i + 1 : null));
  const best = rows[0] && scored(rows[0]) && rows[0].runId !== null ? rows[0] : null;
  return {
    ...sweepSummary(store, sweep),
    ranking: rows,
    winner: best ? { runId: best.runId!, settings: best.settings, config: best.config, command: trainCommandFor(best.config, sweep) } : null,
  };
}

export function sweepSummary(store: StudioStore, sweep: StoredSweep): SweepSummary {
  const statuses = sweep.configurations.map((c) => (c.runId !== null ? store.runs.status(c.runId) : undefined));
  const finished = statuses.filter((s) => s !== undefined && ENDED.has(s)).length;
  const status: SweepStatus = finished === statuses.length ? 'done' : statuses.some((s) => s === 'queued' || s === 'running') ? 'running' : 'stopped';
  return {
    id: sweep.id,
    name: sweep.name,
    grid: sweep.grid,
    gridText: formatGrid(sweep.grid),
    minutesEach: sweep.minutesEach,
    createdAt: sweep.createdAt,
    finishedAt: sweep.finishedAt,
    status,
    configurations: sweep.configurations.length,
    finished,
  };
}

/** `seg-studio train` flags for run-config fields (the rest stay at what the preset or default gives). */
const TRAIN_FLAGS: Array<[keyof RunConfig, string]> = [
  ['model', 'model'],
  ['base', 'base'],
  ['size', 'size'],
  ['batchSize', 'batch-size'],
  ['learningRate', 'learning-rate'],
  ['weightDecay', 'weight-decay'],
  ['bceWeight', 'bce-weight'],
  ['diceWeight', 'dice-weight'],
  ['schedule', 'schedule'],
  ['seed', 'seed'],
  ['maxTrainImages', 'max-train-images'],
  ['encoderWeights', 'encoder-weights'],
  ['backend', 'backend'],
];

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The command line that trains the winner again: its data, the sweep's budget (or its epochs),
 * and every setting `train` has a flag for. A grid key without a flag is named in a trailing
 * comment (set it in the run form).
 */
export function trainCommandFor(config: RunConfig, sweep: StoredSweep): string {
  const parts = ['seg-studio', 'train', '--data', quote(config.data)];
  // The model's shape and the optimiser always; the rest only where they differ from the defaults.
  const defaults = parseRunConfig({ data: config.data });
  const always = new Set<keyof RunConfig>(['model', 'base', 'size', 'batchSize', 'learningRate']);
  for (const [field, flag] of TRAIN_FLAGS) {
    if (always.has(field) || config[field] !== defaults[field]) parts.push(`--${flag}`, quote(String(config[field])));
  }
  if (sweep.minutesEach !== null) {
    parts.push('--minutes', String(sweep.minutesEach));
    if (config.epochs < MAX_EPOCHS && sweep.baseConfig.epochs !== MAX_EPOCHS) parts.push('--epochs', String(config.epochs));
  } else parts.push('--epochs', String(config.epochs));
  if (!config.augment.enabled) parts.push('--no-augment');
  const unflagged = Object.keys(sweep.grid).filter((k) => k !== 'augment' && k !== 'epochs' && !TRAIN_FLAGS.some(([f]) => f === k));
  if (unflagged.length) parts.push(`# and ${unflagged.map((k) => `${k}=${String(config[k as keyof RunConfig])}`).join(' ')} (no train flag: set in the run form)`);
  return parts.join(' ');
}

/** The app's side: starts and resumes sweeps through the runs service's queue. */
export class SweepsService {
  constructor(private readonly deps: { store: StudioStore; runs: RunsService; allowData?: (data: string) => void }) {}

  /** Records the sweep and queues every configuration as a run (the queue trains them one after another). */
  start(input: { config?: unknown; grid: string; minutesEach?: number; name?: string }): SweepDetail {
    if (typeof input.config !== 'object' || input.config === null) throw new StudioError('INVALID_ARGUMENT', 'sweeps.start: config must be a run configuration');
    const config = input.config as Record<string, unknown>;
    // The same path policy as runs.start, before anything is recorded.
    if (typeof config.data === 'string') this.deps.allowData?.(config.data);
    const sweep = createSweep(this.deps.store, { config, grid: input.grid, minutesEach: input.minutesEach, name: input.name });
    this.queueRemaining(sweep);
    return this.get(sweep.id);
  }

  /** Starts the configurations without a run and resumes the interrupted or cancelled ones. */
  resume(id: number): SweepDetail {
    this.deps.runs.recover({ ownerless: false });
    const sweep = mustGetSweep(this.deps.store, id);
    if (sweepSummary(this.deps.store, sweep).status === 'done') throw new StudioError('CONFLICT', `sweep ${id} is done: every configuration has a finished run`);
    this.queueRemaining(sweep);
    return this.get(id);
  }

  get(id: number): SweepDetail {
    this.deps.runs.recover({ ownerless: false });
    return sweepDetail(this.deps.store, mustGetSweep(this.deps.store, id));
  }

  list(limit = 100): SweepSummary[] {
    this.deps.runs.recover({ ownerless: false });
    return this.deps.store.sweeps.list(limit).map((s) => sweepSummary(this.deps.store, s));
  }

  private queueRemaining(sweep: StoredSweep): void {
    this.deps.store.sweeps.setFinished(sweep.id, false);
    for (const c of sweep.configurations) {
      const run = c.runId !== null ? this.deps.store.runs.get(c.runId) : undefined;
      if (c.runId === null) {
        const { runId } = this.deps.runs.start({ config: c.config, name: sweepRunName(sweep, c.position) });
        this.deps.store.sweeps.attachRun(sweep.id, c.position, runId);
      } else if (run && (run.status === 'interrupted' || run.status === 'cancelled')) {
        this.deps.runs.resume({ runId: run.id });
      }
    }
  }
}
