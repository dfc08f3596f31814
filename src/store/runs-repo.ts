// Training runs and their life cycle. Status changes are guarded in SQL (`WHERE status IN ...`)
// rather than read-then-write, so two processes (the app and a worker) cannot race a run into an
// impossible state; a refused change throws, naming the run and its current status.
import { MAX_EPOCHS, parseRunConfig, type RunConfig } from '../shared/run-config';
import { nowIso, type Database } from './db-types';
import { MetricsRepo, type EpochMetricsRecord } from './metrics-repo';
import { isPidAlive, leaseExpiry, localProbe, ownerGoneReason, type OwnerProbe, type ProcessOwner } from './process-owner';

export { isPidAlive };

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
  /** That process's host (null once the run ended, and in rows written before schema v3). */
  ownerHost: string | null;
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
  /** The same with the owner's host and start identity (preferred: survives pid reuse, other hosts). */
  owner?: ProcessOwner | null;
}

/** An owner given as a full identity, or (older callers, tests) as a bare pid on this host. */
type OwnerInput = { owner?: ProcessOwner | null; ownerPid?: number | null };

function ownerParams(o: OwnerInput): { ownerPid: number | null; ownerHost: string | null; ownerStart: string | null; lease: string | null } {
  if (o.owner) return { ownerPid: o.owner.pid, ownerHost: o.owner.host, ownerStart: o.owner.start, lease: leaseExpiry() };
  return { ownerPid: o.ownerPid ?? null, ownerHost: null, ownerStart: null, lease: null };
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
  owner_host: string | null;
  owner_start: string | null;
  lease_expires_at: string | null;
}

type UnfinishedRow = Pick<RunRow, 'id' | 'status' | 'worker_pid' | 'owner_host' | 'owner_start' | 'lease_expires_at'>;

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
    ownerHost: r.owner_host,
  };
}

/** The engine reports "no best yet" as Dice -1 / epoch 0; the table says it with NULLs. */
function normalizeBest(dice: number, epoch: number): { dice: number | null; epoch: number | null } {
  if (!Number.isFinite(dice) || dice < 0 || !Number.isInteger(epoch) || epoch < 1) return { dice: null, epoch: null };
  return { dice, epoch };
}

export class RunsRepo {
  private readonly metrics: MetricsRepo;
  private readonly stmts;

  constructor(private readonly db: Database) {
    this.metrics = new MetricsRepo(db);
    this.stmts = {
      insert: db.prepare(`
        INSERT INTO runs (name, config_json, status, dataset_id, created_at, worker_pid, owner_host, owner_start, lease_expires_at)
        VALUES (@name, @config, 'queued',
                CASE WHEN @datasetGiven THEN @datasetId ELSE (SELECT id FROM datasets WHERE root = @data) END,
                @now, @ownerPid, @ownerHost, @ownerStart, @lease)`),
      setOutputDir: db.prepare('UPDATE runs SET output_dir = ? WHERE id = ?'),
      get: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
      status: db.prepare<[number], { status: RunStatus }>('SELECT status FROM runs WHERE id = ?'),
      listAll: db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY id DESC LIMIT ?'),
      listByStatus: db.prepare<[string, number], RunRow>('SELECT * FROM runs WHERE status = ? ORDER BY id DESC LIMIT ?'),
      unfinished: db.prepare<[], UnfinishedRow>(
        "SELECT id, status, worker_pid, owner_host, owner_start, lease_expires_at FROM runs WHERE status IN ('queued', 'running') ORDER BY id",
      ),
      unfinishedOne: db.prepare<[number], UnfinishedRow>(
        "SELECT id, status, worker_pid, owner_host, owner_start, lease_expires_at FROM runs WHERE id = ? AND status IN ('queued', 'running')",
      ),
      renew: db.prepare(`
        UPDATE runs SET lease_expires_at = @lease
        WHERE worker_pid = @ownerPid AND owner_host = @ownerHost AND owner_start IS @ownerStart AND status IN ('queued', 'running')`),
      markRunning: db.prepare(`
        UPDATE runs SET status = 'running', backend = @backend, device = @device,
                        worker_pid = CASE WHEN @ownerPid IS NULL THEN worker_pid ELSE @ownerPid END,
                        owner_host = CASE WHEN @ownerPid IS NULL THEN owner_host ELSE @ownerHost END,
                        owner_start = CASE WHEN @ownerPid IS NULL THEN owner_start ELSE @ownerStart END,
                        lease_expires_at = CASE WHEN @ownerPid IS NULL THEN lease_expires_at ELSE @lease END,
                        started_at = coalesce(started_at, @now), ended_at = NULL, error = NULL
        WHERE id = @id AND status = 'queued'`),
      epoch: db.prepare(`
        UPDATE runs SET epochs_done = max(epochs_done, @epoch), best_valid_dice = @bestDice, best_epoch = @bestEpoch,
                        checkpoint_path = coalesce(@checkpoint, checkpoint_path)
        WHERE id = @id AND status = 'running'`),
      finish: db.prepare(`
        UPDATE runs SET status = 'completed', test_dice = @testDice, ended_at = @now,
                        worker_pid = NULL, owner_host = NULL, owner_start = NULL, lease_expires_at = NULL,
                        best_valid_dice = CASE WHEN @bestGiven THEN @bestDice ELSE best_valid_dice END,
                        best_epoch = CASE WHEN @bestGiven THEN @bestEpoch ELSE best_epoch END
        WHERE id = @id AND status = 'running'`),
      end: db.prepare(`
        UPDATE runs SET status = @status, error = @error, ended_at = @now,
                        worker_pid = NULL, owner_host = NULL, owner_start = NULL, lease_expires_at = NULL
        WHERE id = @id AND status IN ('queued', 'running')`),
      planEpochs: db.prepare("UPDATE runs SET config_json = json_set(config_json, '$.epochs', @epochs) WHERE id = @id AND status = 'running'"),
      requeue: db.prepare(`
        UPDATE runs SET status = 'queued', config_json = coalesce(@config, config_json), error = NULL, ended_at = NULL,
                        worker_pid = @ownerPid, owner_host = @ownerHost, owner_start = @ownerStart, lease_expires_at = @lease,
                        test_dice = NULL
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
        ...ownerParams(opts),
      });
      const id = Number(info.lastInsertRowid);
      if (opts.outputDir !== undefined) {
        const dir = typeof opts.outputDir === 'function' ? opts.outputDir(id) : opts.outputDir;
        this.stmts.setOutputDir.run(dir, id);
      }
      return id;
    })();
  }

  /** `owner` (or a bare `pid`) replaces the recorded owner; without either the queued run's owner stays. */
  markRunning(id: number, info: { backend: string; device: string; pid?: number | null; owner?: ProcessOwner | null }): void {
    const r = this.stmts.markRunning.run({ id, backend: info.backend, device: info.device, ...ownerParams({ owner: info.owner, ownerPid: info.pid }), now: nowIso() });
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

  /**
   * A time-budgeted run fixed its epoch count after its first epoch (engine/train/time-budget.ts):
   * the record keeps the plan as the run's `epochs` (its `minutes` says it was planned).
   */
  planEpochs(id: number, epochs: number): void {
    if (!Number.isInteger(epochs) || epochs < 1 || epochs > MAX_EPOCHS) throw new Error(`Run ${id}: planned epochs must be an integer in 1..${MAX_EPOCHS} (got ${epochs})`);
    const r = this.stmts.planEpochs.run({ id, epochs });
    if (r.changes === 0) this.refuse(id, 'plan the epochs of', 'running');
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
  requeue(id: number, config?: unknown, opts: OwnerInput = {}): void {
    const json = config === undefined ? null : JSON.stringify(parseRunConfig(config));
    const r = this.stmts.requeue.run({ id, config: json, ...ownerParams(opts) });
    if (r.changes === 0) this.refuse(id, 'requeue', 'completed, failed, cancelled or interrupted');
  }

  /**
   * Renews the lease of every unfinished run `owner` holds (the live process calls this every
   * LEASE_RENEW_MS). Returns how many rows it renewed.
   */
  renewLeases(owner: ProcessOwner): number {
    return this.stmts.renew.run({ lease: leaseExpiry(), ownerPid: owner.pid, ownerHost: owner.host, ownerStart: owner.start }).changes;
  }

  /**
   * `running` runs whose owner is gone (crash, `kill -9`, power loss) and `queued` runs whose
   * owning process is gone (its in-memory queue died with it) become `interrupted`; committed
   * epochs stay and resume can continue them. Runs whose owner is alive are left alone. The
   * owner is judged by pid + start identity on this host and by its lease elsewhere (see
   * process-owner.ts); a run with no owner recorded has nobody who could still finish it.
   * Reads first and takes the write lock only when something is to change, so every listing
   * can afford it. Returns the ids changed.
   *
   * `ownerless: false` (what every read uses) leaves runs with no owner recorded alone: only a
   * process's start-up recovery decides that nobody will come back for those.
   */
  recoverInterrupted(probe: OwnerProbe = localProbe(), opts: { ownerless?: boolean } = {}): number[] {
    const ownerless = opts.ownerless ?? true;
    const gone = (row: UnfinishedRow) =>
      row.worker_pid === null && !ownerless
        ? null
        : ownerGoneReason(
        { pid: row.worker_pid, host: row.owner_host, start: row.owner_start, leaseExpiresAt: row.lease_expires_at },
        probe,
        row.status === 'running' ? 'owner' : 'queuing process',
      );
    const candidates = this.stmts.unfinished.all().filter((row) => gone(row) !== null);
    if (candidates.length === 0) return [];
    return this.db.transaction(() => {
      const changed: number[] = [];
      for (const c of candidates) {
        // Re-read inside the write lock: the owner may have finished or renewed meanwhile.
        const row = this.stmts.unfinishedOne.get(c.id);
        const why = row ? gone(row) : null;
        if (!row || why === null) continue;
        const error =
          row.status === 'running'
            ? `Interrupted: the run stopped without finishing; ${why}.`
            : `Interrupted: the studio process stopped before this queued run started; ${why}.`;
        this.stmts.end.run({ id: row.id, status: 'interrupted', error, now: nowIso() });
        changed.push(row.id);
      }
      return changed;
    }).immediate();
  }

  /** Every read of runs first turns runs with a vanished owner into `interrupted` (see recoverInterrupted). */
  list(opts: { status?: RunStatus; limit?: number } = {}): RunRecord[] {
    this.recoverInterrupted(localProbe(), { ownerless: false });
    const limit = opts.limit ?? -1; // SQLite: a negative LIMIT means no limit
    const rows = opts.status ? this.stmts.listByStatus.all(opts.status, limit) : this.stmts.listAll.all(limit);
    return rows.map(toRecord);
  }

  get(id: number): RunWithMetrics | undefined {
    this.recoverInterrupted(localProbe(), { ownerless: false });
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
