// Imported datasets. One row per dataset root; an import report (minus its samples, which live
// in `samples`) is kept as JSON so the skipped files and their reasons can be shown later.
import { basename, resolve } from 'node:path';
import type { DatasetLayout, ImportReport, SkippedFile, Split } from '../engine/types';
import { nowIso, type Database } from './db-types';
import { SamplesRepo, type SampleInput } from './samples-repo';

export interface DatasetCounts extends Record<Split, number> {
  unlabeled: number;
}

/** What is kept of an ImportReport besides the samples themselves. */
export interface StoredImportReport {
  root: string;
  layout: DatasetLayout;
  skipped: SkippedFile[];
  counts: DatasetCounts;
}

export interface DatasetRecord {
  id: number;
  root: string;
  layout: DatasetLayout;
  name: string;
  counts: DatasetCounts;
  skippedCount: number;
  report: StoredImportReport;
  createdAt: string;
  lastUsedAt: string;
}

interface DatasetRow {
  id: number;
  root: string;
  layout: DatasetLayout;
  name: string;
  train_count: number;
  valid_count: number;
  test_count: number;
  unlabeled_count: number;
  skipped_count: number;
  report_json: string;
  created_at: string;
  last_used_at: string;
}

function toRecord(r: DatasetRow): DatasetRecord {
  return {
    id: r.id,
    root: r.root,
    layout: r.layout,
    name: r.name,
    counts: { train: r.train_count, valid: r.valid_count, test: r.test_count, unlabeled: r.unlabeled_count },
    skippedCount: r.skipped_count,
    report: JSON.parse(r.report_json) as StoredImportReport,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export class DatasetsRepo {
  private readonly samples: SamplesRepo;
  private readonly stmts;

  constructor(private readonly db: Database) {
    this.samples = new SamplesRepo(db);
    this.stmts = {
      upsert: db.prepare<unknown[], { id: number }>(`
        INSERT INTO datasets (root, layout, name, train_count, valid_count, test_count, unlabeled_count,
                              skipped_count, report_json, created_at, last_used_at)
        VALUES (@root, @layout, @name, @train, @valid, @test, @unlabeled, @skipped, @report, @now, @now)
        ON CONFLICT (root) DO UPDATE SET
          layout = excluded.layout, name = excluded.name, train_count = excluded.train_count,
          valid_count = excluded.valid_count, test_count = excluded.test_count,
          unlabeled_count = excluded.unlabeled_count, skipped_count = excluded.skipped_count,
          report_json = excluded.report_json, last_used_at = excluded.last_used_at
        RETURNING id`),
      get: db.prepare<[number], DatasetRow>('SELECT * FROM datasets WHERE id = ?'),
      byRoot: db.prepare<[string], DatasetRow>('SELECT * FROM datasets WHERE root = ?'),
      list: db.prepare<[], DatasetRow>('SELECT * FROM datasets ORDER BY last_used_at DESC, id DESC'),
      touch: db.prepare('UPDATE datasets SET last_used_at = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM datasets WHERE id = ?'),
      relocate: db.prepare(`
        UPDATE datasets SET root = @root, layout = @layout, name = @name, train_count = @train,
          valid_count = @valid, test_count = @test, unlabeled_count = @unlabeled,
          skipped_count = @skipped, report_json = @report, last_used_at = @now
        WHERE id = @id`),
      // Runs name their dataset by path in their config (resume and evaluation read it), so a
      // moved dataset's runs follow it; runs that named another path are left alone.
      relocateRuns: db.prepare(`
        UPDATE runs SET config_json = json_set(config_json, '$.data', @newRoot)
        WHERE dataset_id = @id AND json_extract(config_json, '$.data') = @oldRoot`),
    };
  }

  /**
   * Registers (or re-registers) the dataset at `report.root` and makes its samples exactly the
   * report's, in one transaction: a failed import leaves the previous state intact.
   */
  saveImport(report: ImportReport & { samples: readonly SampleInput[] }, opts: { name?: string } = {}): DatasetRecord {
    const root = resolve(report.root);
    const stored: StoredImportReport = { root, layout: report.layout, skipped: report.skipped, counts: report.counts };
    return this.db.transaction(() => {
      const row = this.stmts.upsert.get({
        root,
        layout: report.layout,
        name: opts.name ?? (basename(root) || root),
        train: report.counts.train,
        valid: report.counts.valid,
        test: report.counts.test,
        unlabeled: report.counts.unlabeled,
        skipped: report.skipped.length,
        report: JSON.stringify(stored),
        now: nowIso(),
      });
      const id = row!.id;
      this.samples.replaceAll(id, report.samples);
      return toRecord(this.stmts.get.get(id)!);
    })();
  }

  /**
   * Points dataset `id` at a new root (its folder moved) with the samples found there, keeping
   * the id: runs (runs.dataset_id) and predictions (samples keep their row ids, matched by stem)
   * stay linked. saveImport cannot do this, since it keys on the root and would make a new row.
   * Throws when the id is unknown or another dataset already lives at the new root.
   */
  relocate(id: number, report: ImportReport & { samples: readonly SampleInput[] }): DatasetRecord {
    const root = resolve(report.root);
    return this.db.transaction(() => {
      const before = this.stmts.get.get(id);
      if (!before) throw new Error(`dataset ${id} does not exist`);
      const other = this.stmts.byRoot.get(root);
      if (other && other.id !== id) throw new Error(`${root} is already remembered as dataset ${other.id} (${other.name})`);
      const stored: StoredImportReport = { root, layout: report.layout, skipped: report.skipped, counts: report.counts };
      // A name the user never changed follows the folder; basename(old root) is the default.
      const name = before.name === (basename(before.root) || before.root) ? basename(root) || root : before.name;
      this.stmts.relocate.run({
        id,
        root,
        layout: report.layout,
        name,
        train: report.counts.train,
        valid: report.counts.valid,
        test: report.counts.test,
        unlabeled: report.counts.unlabeled,
        skipped: report.skipped.length,
        report: JSON.stringify(stored),
        now: nowIso(),
      });
      this.stmts.relocateRuns.run({ id, oldRoot: before.root, newRoot: root });
      this.samples.replaceAll(id, report.samples);
      return toRecord(this.stmts.get.get(id)!);
    })();
  }

  get(id: number): DatasetRecord | undefined {
    const row = this.stmts.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  getByRoot(root: string): DatasetRecord | undefined {
    const row = this.stmts.byRoot.get(resolve(root));
    return row ? toRecord(row) : undefined;
  }

  /** Most recently used first. */
  list(): DatasetRecord[] {
    return this.stmts.list.all().map(toRecord);
  }

  touch(id: number): void {
    this.stmts.touch.run(nowIso(), id);
  }

  /** Deletes the dataset with its samples and their predictions; its runs keep their history. */
  remove(id: number): boolean {
    return this.stmts.remove.run(id).changes > 0;
  }
}
