// Training runs and their life cycle. Status changes are guarded in SQL (`WHERE status IN ...`)
// rather than read-then-write, so two processes (the app and a worker) cannot race a run into an
// impossible state; a refused change throws, naming the run and its current status.
import { parseRunConfig, type RunConfig } from '../shared/run-config';
import { nowIso, type Database } from './db-types';
import { MetricsRepo, type EpochMetricsRecord } from './metrics-repo';

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRecord {
  id: number;
  name: string;
  /** The full validated config, re-parsed on read so fields added later get their defaults. */
  config: RunConfig;
  status: RunStatus;
  datasetId: number | null;
  backend: string | null;
  device: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  epochsDone: number;
  bestValidDice: number | null;
  bestEpoch: number | null;
  testDice: number | null;
  checkpointPath: string | null;
  outputDir: string | null;
  error: string | null;
  /** The process responsible for the run while it is queued or running (null once it ended). */
  workerPid: number | null;
}

export interface RunWithMetrics extends RunRecord {
  metrics: EpochMetricsRecord[];
}

export interface CreateRunOptions {
  name?: string;
  /** The run folder; a function gets the new id (folders are usually named after it). */
  outputDir?: string | ((id: number) => string);
  /** Defaults to the registered dataset whose root equals `config.data`, if any. */
  datasetId?: number | null;
  /**
   * The process that will start this queued run (kept in `worker_pid` until markRunning sets the
   * worker's). Without it, a queued run whose process died would stay `queued` forever: the
   * queue lives in memory, and nothing else may start or cancel a run it does not own.
   */
  ownerPid?: number | null;
}

export interface BestSoFar {
  bestValidDice: number;
  bestEpoch: number;
  checkpointPath?: string;
}

interface RunRow {
  id: number;
  name: string;
  config_json: string;
  status: RunStatus;
  dataset_id: number | null;
  backend: string | null;
  device: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  epochs_done: number;
  best_valid_dice: number | null;
  best_epoch: number | null;
  test_dice: number | null;
  checkpoint_path: string | null;
  output_dir: string | null;
  error: string | null;
  worker_pid: number | null;
}

function toRecord(r: RunRow): RunRecord {
  let config: RunConfig;
  try {
    config = parseRunConfig(JSON.parse(r.config_json));
  } catch (err) {
    throw new Error(`Run ${r.id}: its stored config no longer validates: ${(err as Error).message}`);
  }
  return {
    id: r.id,
    name: r.name,
    config,
    status: r.status,
    datasetId: r.dataset_id,
    backend: r.backend,
    device: r.device,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    epochsDone: r.epochs_done,
    bestValidDice: r.best_valid_dice,
    bestEpoch: r.best_epoch,
    testDice: r.test_dice,
    checkpointPath: r.checkpoint_path,
    outputDir: r.output_dir,
    error: r.error,
    workerPid: r.worker_pid,
  };
}

/** The engine reports "no best yet" as Dice -1 / epoch 0; the table says it with NULLs. */
function normalizeBest(dice: number, epoch: number): { dice: number | null; epoch: number | null } {
  if (!Number.isFinite(dice) || dice < 0 || !Number.isInteger(epoch) || epoch < 1) return { dice: null, epoch: null };
  return { dice, epoch };
}

/** True when a process with this id exists (EPERM: it exists but belongs to another user). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunsRepo {
  private readonly metrics: MetricsRepo;
  private readonly stmts;

  constructor(private readonly db: Database) {
    this.metrics = new MetricsRepo(db);
    this.stmts = {
      insert: db.prepare(`
        INSERT INTO runs (name, config_json, status, dataset_id, created_at, worker_pid)
        VALUES (@name, @config, 'queued',
                CASE WHEN @datasetGiven THEN @datasetId ELSE (SELECT id FROM datasets WHERE root = @data) END,
                @now, @ownerPid)`),
      setOutputDir: db.prepare('UPDATE runs SET output_dir = ? WHERE id = ?'),
      get: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
      status: db.prepare<[number], { status: RunStatus }>('SELECT status FROM runs WHERE id = ?'),
      listAll: db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY id DESC LIMIT ?'),
      listByStatus: db.prepare<[string, number], RunRow>('SELECT * FROM runs WHERE status = ? ORDER BY id DESC LIMIT ?'),
      unfinished: db.prepare<[], { id: number; status: RunStatus; worker_pid: number | null }>(
        "SELECT id, status, worker_pid FROM runs WHERE status IN ('queued', 'running') ORDER BY id",
      ),
      markRunning: db.prepare(`
        UPDATE runs SET status = 'running', backend = @backend, device = @device, worker_pid = coalesce(@pid, worker_pid),
                        started_at = coalesce(started_at, @now), ended_at = NULL, error = NULL
        WHERE id = @id AND status = 'queued'`),
      epoch: db.prepare(`
        UPDATE runs SET epochs_done = max(epochs_done, @epoch), best_valid_dice = @bestDice, best_epoch = @bestEpoch,
                        checkpoint_path = coalesce(@checkpoint, checkpoint_path)
        WHERE id = @id AND status = 'running'`),
      finish: db.prepare(`
        UPDATE runs SET status = 'completed', test_dice = @testDice, ended_at = @now, worker_pid = NULL,
                        best_valid_dice = CASE WHEN @bestGiven THEN @bestDice ELSE best_valid_dice END,
                        best_epoch = CASE WHEN @bestGiven THEN @bestEpoch ELSE best_epoch END
        WHERE id = @id AND status = 'running'`),
      end: db.prepare(`
        UPDATE runs SET status = @status, error = @error, ended_at = @now, worker_pid = NULL
        WHERE id = @id AND status IN ('queued', 'running')`),
      requeue: db.prepare(`
        UPDATE runs SET status = 'queued', config_json = coalesce(@config, config_json), error = NULL, ended_at = NULL,
                        worker_pid = @ownerPid, test_dice = NULL
        WHERE id = @id AND status IN ('completed', 'failed', 'cancelled', 'interrupted')`),
    };
  }

  /** Validates `config` and stores it as a new `queued` run; returns its id. */
  create(config: unknown, opts: CreateRunOptions = {}): number {
    const parsed = parseRunConfig(config);
    return this.db.transaction(() => {
      const info = this.stmts.insert.run({
        name: opts.name ?? `${parsed.model} b${parsed.base} ${parsed.size}px`,
        config: JSON.stringify(parsed),
        datasetGiven: opts.datasetId !== undefined ? 1 : 0,
        datasetId: opts.datasetId ?? null,
        data: parsed.data,
        now: nowIso(),
        ownerPid: opts.ownerPid ?? null,
      });
      const id = Number(info.lastInsertRowid);
      if (opts.outputDir !== undefined) {
        const dir = typeof opts.outputDir === 'function' ? opts.outputDir(id) : opts.outputDir;
        this.stmts.setOutputDir.run(dir, id);
      }
      return id;
    })();
  }

  markRunning(id: number, info: { backend: string; device: string; pid?: number | null }): void {
    const r = this.stmts.markRunning.run({ id, backend: info.backend, device: info.device, pid: info.pid ?? null, now: nowIso() });
    if (r.changes === 0) this.refuse(id, 'start', 'queued');
  }

  /**
   * Commits one finished epoch: the metrics row and the run's progress/best in ONE transaction,
   * so a crash loses at most the epoch in progress and never leaves the two disagreeing.
   * Refused (and nothing written) unless the run is `running`.
   */
  recordEpoch(runId: number, m: EpochMetricsRecord, best: BestSoFar): void {
    const b = normalizeBest(best.bestValidDice, best.bestEpoch);
    this.db.transaction(() => {
      this.metrics.upsert(runId, m);
      const r = this.stmts.epoch.run({
        id: runId,
        epoch: m.epoch,
        bestDice: b.dice,
        bestEpoch: b.epoch,
        checkpoint: best.checkpointPath ?? null,
      });
      if (r.changes === 0) this.refuse(runId, 'record an epoch for', 'running');
    })();
  }

  finish(id: number, info: { testDice: number | null; bestValidDice?: number; bestEpoch?: number }): void {
    const bestGiven = info.bestValidDice !== undefined && info.bestEpoch !== undefined;
    const b = bestGiven ? normalizeBest(info.bestValidDice!, info.bestEpoch!) : { dice: null, epoch: null };
    const testDice = info.testDice !== null && Number.isFinite(info.testDice) ? info.testDice : null;
    const r = this.stmts.finish.run({ id, testDice, now: nowIso(), bestGiven: bestGiven ? 1 : 0, bestDice: b.dice, bestEpoch: b.epoch });
    if (r.changes === 0) this.refuse(id, 'complete', 'running');
  }

  fail(id: number, error: string): void {
    this.end(id, 'failed', error, 'fail');
  }

  cancel(id: number): void {
    this.end(id, 'cancelled', null, 'cancel');
  }

  markInterrupted(id: number, reason?: string): void {
    this.end(id, 'interrupted', reason ?? null, 'interrupt');
  }

  /**
   * Back to `queued` for a resume, optionally with a new (validated) config, e.g. more epochs.
   * `ownerPid` is the process that will start it again (see CreateRunOptions.ownerPid).
   */
  requeue(id: number, config?: unknown, opts: { ownerPid?: number | null } = {}): void {
    const json = config === undefined ? null : JSON.stringify(parseRunConfig(config));
    const r = this.stmts.requeue.run({ id, config: json, ownerPid: opts.ownerPid ?? null });
    if (r.changes === 0) this.refuse(id, 'requeue', 'completed, failed, cancelled or interrupted');
  }

  /**
   * Start-up recovery: `running` runs whose worker process is gone, and `queued` runs whose
   * owning process is gone (its in-memory queue died with it), become `interrupted`; committed
   * epochs stay and resume can continue them. Runs whose process is alive are left alone —
   * another studio process (the app, a CLI `train`) may own them. A run with no pid recorded has
   * no owner that could still start or finish it. Returns the ids changed. A recycled pid can
   * make a dead run look alive; it is then recovered at a later start.
   */
  recoverInterrupted(isAlive: (pid: number) => boolean = isPidAlive): number[] {
    return this.db.transaction(() => {
      const changed: number[] = [];
      for (const row of this.stmts.unfinished.all()) {
        if (row.worker_pid !== null && isAlive(row.worker_pid)) continue;
        const role = row.status === 'running' ? 'worker' : 'owner';
        const who = row.worker_pid === null ? `no ${role} was recorded` : `its ${role} (pid ${row.worker_pid}) is gone`;
        const when = row.status === 'running' ? 'the studio restarted' : 'the studio restarted before this queued run started';
        this.stmts.end.run({ id: row.id, status: 'interrupted', error: `Interrupted: ${when} and ${who}.`, now: nowIso() });
        changed.push(row.id);
      }
      return changed;
    }).immediate();
  }

  list(opts: { status?: RunStatus; limit?: number } = {}): RunRecord[] {
    const limit = opts.limit ?? -1; // SQLite: a negative LIMIT means no limit
    const rows = opts.status ? this.stmts.listByStatus.all(opts.status, limit) : this.stmts.listAll.all(limit);
    return rows.map(toRecord);
  }

  get(id: number): RunWithMetrics | undefined {
    // One read transaction so the run and its metrics are the same snapshot while a worker writes.
    return this.db.transaction(() => {
      const row = this.stmts.get.get(id);
      return row ? { ...toRecord(row), metrics: this.metrics.listForRun(id) } : undefined;
    })();
  }

  status(id: number): RunStatus | undefined {
    return this.stmts.status.get(id)?.status;
  }

  private end(id: number, status: RunStatus, error: string | null, verb: string): void {
    const r = this.stmts.end.run({ id, status, error, now: nowIso() });
    if (r.changes === 0) this.refuse(id, verb, 'queued or running');
  }

  private refuse(id: number, verb: string, allowed: string): never {
    const current = this.status(id);
    if (current === undefined) throw new Error(`Run ${id} does not exist`);
    throw new Error(`Cannot ${verb} run ${id}: it is ${current} (must be ${allowed})`);
  }
}
