// Per-epoch training metrics. Rows are upserted on (run, epoch): a resumed run re-trains the
// epoch whose checkpoint was not yet written, and its new numbers replace the old ones.
import type { Database } from './db-types';
import type { EpochMetrics } from '../engine/types';

/** The engine's per-epoch numbers, stored one row per (run, epoch). */
export type EpochMetricsRecord = EpochMetrics;

interface MetricsRow {
  epoch: number;
  train_dice: number | null;
  train_bce: number | null;
  train_dice_loss: number | null;
  valid_dice: number | null;
  valid_bce: number | null;
  valid_dice_loss: number | null;
  learning_rate: number | null;
  seconds: number | null;
  images_per_second: number | null;
}

// SQLite stores NaN as NULL; reading it back as NaN keeps "this epoch diverged" visible.
const num = (v: number | null): number => (v === null ? Number.NaN : v);

function toRecord(r: MetricsRow): EpochMetricsRecord {
  return {
    epoch: r.epoch,
    trainDice: num(r.train_dice),
    trainBce: num(r.train_bce),
    trainDiceLoss: num(r.train_dice_loss),
    validDice: num(r.valid_dice),
    validBce: num(r.valid_bce),
    validDiceLoss: num(r.valid_dice_loss),
    learningRate: num(r.learning_rate),
    seconds: num(r.seconds),
    imagesPerSecond: num(r.images_per_second),
  };
}

export class MetricsRepo {
  private readonly upsertStmt;
  private readonly listStmt;
  private readonly bestStmt;

  constructor(private readonly db: Database) {
    this.upsertStmt = db.prepare(`
      INSERT INTO epoch_metrics (run_id, epoch, train_dice, valid_dice, train_bce, valid_bce,
                                 train_dice_loss, valid_dice_loss, learning_rate, seconds, images_per_second)
      VALUES (@runId, @epoch, @trainDice, @validDice, @trainBce, @validBce,
              @trainDiceLoss, @validDiceLoss, @learningRate, @seconds, @imagesPerSecond)
      ON CONFLICT (run_id, epoch) DO UPDATE SET
        train_dice = excluded.train_dice, valid_dice = excluded.valid_dice,
        train_bce = excluded.train_bce, valid_bce = excluded.valid_bce,
        train_dice_loss = excluded.train_dice_loss, valid_dice_loss = excluded.valid_dice_loss,
        learning_rate = excluded.learning_rate, seconds = excluded.seconds,
        images_per_second = excluded.images_per_second`);
    this.listStmt = db.prepare<[number], MetricsRow>('SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch');
    this.bestStmt = db.prepare<[number], MetricsRow>(
      'SELECT * FROM epoch_metrics WHERE run_id = ? AND valid_dice IS NOT NULL ORDER BY valid_dice DESC, epoch LIMIT 1',
    );
  }

  /** Seconds of training per run: the sum of its epochs' durations (one query for the runs list). */
  trainingSecondsByRun(): Map<number, number> {
    const rows = this.db.prepare<[], { run_id: number; total: number | null }>('SELECT run_id, SUM(seconds) AS total FROM epoch_metrics GROUP BY run_id').all();
    return new Map(rows.map((r) => [r.run_id, r.total ?? 0]));
  }

  /** Writes one epoch's row; callers wanting atomicity with the run row wrap it (see RunsRepo.recordEpoch). */
  upsert(runId: number, m: EpochMetricsRecord): void {
    if (!Number.isInteger(m.epoch) || m.epoch < 1) throw new Error(`epoch must be a positive integer, got ${m.epoch}`);
    this.upsertStmt.run({
      runId,
      epoch: m.epoch,
      trainDice: m.trainDice,
      validDice: m.validDice,
      trainBce: m.trainBce,
      validBce: m.validBce,
      trainDiceLoss: m.trainDiceLoss,
      validDiceLoss: m.validDiceLoss,
      learningRate: m.learningRate,
      seconds: m.seconds,
      imagesPerSecond: m.imagesPerSecond,
    });
  }

  listForRun(runId: number): EpochMetricsRecord[] {
    return this.listStmt.all(runId).map(toRecord);
  }

  /** The epoch with the highest validation Dice (earliest on ties), if any epoch has one. */
  bestForRun(runId: number): EpochMetricsRecord | undefined {
    const row = this.bestStmt.get(runId);
    return row ? toRecord(row) : undefined;
  }
}
