// Labeling effort: one row per saved mask (schema v4, `label_effort`) with the editor's active
// seconds, clicks, strokes and the suggestion the label started from, and the per-dataset
// summary the dataset page and `seg-studio dataset effort` show.
import { nowIso, type Database } from './db-types';
import type { EffortSource, EffortSummary, EffortSourceSummary, LabelEffort } from '../shared/contract/types';

export type { EffortSource, EffortSummary } from '../shared/contract/types';
export type EffortInput = LabelEffort;

export interface EffortRecord extends EffortInput {
  id: number;
  stem: string;
  savedAt: string;
  maskPath: string;
}

interface EffortRow {
  id: number;
  stem: string;
  saved_at: string;
  mask_path: string;
  seconds: number;
  clicks: number;
  strokes: number;
  source: EffortSource;
  source_run_id: number | null;
  changed_pixels: number | null;
}

const toRecord = (r: EffortRow): EffortRecord => ({
  id: r.id,
  stem: r.stem,
  savedAt: r.saved_at,
  maskPath: r.mask_path,
  seconds: r.seconds,
  clicks: r.clicks,
  strokes: r.strokes,
  source: r.source,
  sourceRunId: r.source_run_id,
  changedPixels: r.changed_pixels,
});

/** Median of a list (mean of the middle two for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function summarizeEffort(rows: readonly EffortInput[]): EffortSummary {
  const of = (s: EffortSource): EffortSourceSummary => {
    const r = rows.filter((x) => x.source === s);
    return { masks: r.length, medianSeconds: median(r.map((x) => x.seconds)) };
  };
  const suggested = rows.filter((r) => r.source !== 'none');
  const accepted = suggested.filter((r) => r.changedPixels === 0).length;
  return {
    masks: rows.length,
    medianSeconds: median(rows.map((r) => r.seconds)),
    totalSeconds: rows.reduce((a, r) => a + r.seconds, 0),
    medianClicks: median(rows.map((r) => r.clicks)),
    medianStrokes: median(rows.map((r) => r.strokes)),
    suggestions: suggested.length,
    acceptedUnedited: accepted,
    acceptedShare: suggested.length ? accepted / suggested.length : null,
    bySource: { none: of('none'), prediction: of('prediction'), interactive: of('interactive') },
  };
}

export class EffortRepo {
  private readonly stmts;

  constructor(private readonly db: Database) {
    this.stmts = {
      sampleId: db.prepare<[number, string], { id: number }>('SELECT id FROM samples WHERE dataset_id = ? AND stem = ?'),
      insert: db.prepare(`INSERT INTO label_effort (sample_id, saved_at, mask_path, seconds, clicks, strokes, source, source_run_id, changed_pixels)
                          VALUES (@sampleId, @now, @maskPath, @seconds, @clicks, @strokes, @source,
                                  (SELECT id FROM runs WHERE id = @sourceRunId), @changedPixels)`),
      list: db.prepare<[number], EffortRow>(`SELECT e.*, s.stem FROM label_effort e JOIN samples s ON s.id = e.sample_id
                                             WHERE s.dataset_id = ? ORDER BY e.id`),
    };
  }

  /** Records the effort of one saved mask; returns the row id. A run id that no longer exists is kept as null. */
  record(datasetId: number, stem: string, maskPath: string, e: EffortInput): number {
    const sample = this.stmts.sampleId.get(datasetId, stem);
    if (!sample) throw new Error(`dataset ${datasetId} has no sample ${stem}`);
    const info = this.stmts.insert.run({
      sampleId: sample.id,
      now: nowIso(),
      maskPath,
      seconds: e.seconds,
      clicks: e.clicks,
      strokes: e.strokes,
      source: e.source,
      sourceRunId: e.source === 'none' ? null : e.sourceRunId,
      changedPixels: e.source === 'none' ? null : e.changedPixels,
    });
    return Number(info.lastInsertRowid);
  }

  list(datasetId: number): EffortRecord[] {
    return this.stmts.list.all(datasetId).map(toRecord);
  }

  summary(datasetId: number): EffortSummary {
    return summarizeEffort(this.list(datasetId));
  }
}
