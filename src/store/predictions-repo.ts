// Per-sample predictions of a run (Dice against the ground truth and the predicted mask file).
// A prediction pass over a split replaces that split's rows wholesale, so a re-run never leaves
// stale rows from samples that were since removed or re-split.
import type { Split } from '../engine/types';
import type { Database } from './db-types';

export interface PredictionRecord {
  id: number;
  runId: number;
  sampleId: number;
  datasetId: number;
  stem: string;
  split: Split;
  /** NULL when the sample has no ground-truth mask to compare with. */
  dice: number | null;
  maskPath: string;
}

export interface PredictionInput {
  stem: string;
  dice: number | null;
  maskPath: string;
}

interface PredictionRow {
  id: number;
  run_id: number;
  sample_id: number;
  dataset_id: number;
  stem: string;
  split: Split;
  dice: number | null;
  mask_path: string;
}

const toRecord = (r: PredictionRow): PredictionRecord => ({
  id: r.id,
  runId: r.run_id,
  sampleId: r.sample_id,
  datasetId: r.dataset_id,
  stem: r.stem,
  split: r.split,
  dice: r.dice,
  maskPath: r.mask_path,
});

const SELECT = `SELECT p.id, p.run_id, p.sample_id, s.dataset_id, s.stem, p.split, p.dice, p.mask_path
                FROM predictions p JOIN samples s ON s.id = p.sample_id`;

export class PredictionsRepo {
  private readonly stmts;

  constructor(private readonly db: Database) {
    this.stmts = {
      clear: db.prepare(`DELETE FROM predictions WHERE run_id = ? AND split = ?
                           AND sample_id IN (SELECT id FROM samples WHERE dataset_id = ?)`),
      sampleId: db.prepare<[number, string], { id: number }>('SELECT id FROM samples WHERE dataset_id = ? AND stem = ?'),
      insert: db.prepare(`INSERT INTO predictions (run_id, sample_id, split, dice, mask_path) VALUES (@runId, @sampleId, @split, @dice, @maskPath)
                          ON CONFLICT (run_id, sample_id) DO UPDATE SET split = excluded.split, dice = excluded.dice, mask_path = excluded.mask_path`),
      list: db.prepare<[number, number, string], PredictionRow>(`${SELECT} WHERE p.run_id = ? AND s.dataset_id = ? AND p.split = ? ORDER BY s.stem`),
      listRun: db.prepare<[number], PredictionRow>(`${SELECT} WHERE p.run_id = ? ORDER BY s.dataset_id, s.stem`),
      get: db.prepare<[number, number, string], PredictionRow>(`${SELECT} WHERE p.run_id = ? AND s.dataset_id = ? AND s.stem = ?`),
      mean: db.prepare<[number, number, string], { mean: number | null }>(
        `SELECT avg(p.dice) AS mean FROM predictions p JOIN samples s ON s.id = p.sample_id
         WHERE p.run_id = ? AND s.dataset_id = ? AND p.split = ? AND p.dice IS NOT NULL`,
      ),
    };
  }

  /** Replaces the run's predictions for (dataset, split) in one transaction; unknown stems abort it. */
  replace(runId: number, datasetId: number, split: Split, items: readonly PredictionInput[]): void {
    this.db.transaction(() => {
      this.stmts.clear.run(runId, split, datasetId);
      for (const item of items) {
        const sample = this.stmts.sampleId.get(datasetId, item.stem);
        if (!sample) throw new Error(`Prediction for unknown sample "${item.stem}" of dataset ${datasetId}`);
        const dice = item.dice !== null && Number.isFinite(item.dice) ? item.dice : null;
        this.stmts.insert.run({ runId, sampleId: sample.id, split, dice, maskPath: item.maskPath });
      }
    })();
  }

  list(runId: number, datasetId: number, split: Split): PredictionRecord[] {
    return this.stmts.list.all(runId, datasetId, split).map(toRecord);
  }

  listForRun(runId: number): PredictionRecord[] {
    return this.stmts.listRun.all(runId).map(toRecord);
  }

  get(runId: number, datasetId: number, stem: string): PredictionRecord | undefined {
    const row = this.stmts.get.get(runId, datasetId, stem);
    return row ? toRecord(row) : undefined;
  }

  /** Mean Dice over the samples that have one, or null when none do. */
  meanDice(runId: number, datasetId: number, split: Split): number | null {
    return this.stmts.mean.get(runId, datasetId, split)?.mean ?? null;
  }
}
