// The export log: every masks/model export a run made, where it went and how it ended. Rows are
// created `running` before any file is written, so an export cut short still shows up.
import { nowIso, type Database } from './db-types';

export type ExportKind = 'masks' | 'model';
export type ExportStatus = 'running' | 'completed' | 'failed';

export interface ExportRecord {
  id: number;
  runId: number;
  kind: ExportKind;
  destination: string;
  count: number;
  status: ExportStatus;
  detail: Record<string, unknown>;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

interface ExportRow {
  id: number;
  run_id: number;
  kind: ExportKind;
  destination: string;
  count: number;
  status: ExportStatus;
  detail_json: string;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

const toRecord = (r: ExportRow): ExportRecord => ({
  id: r.id,
  runId: r.run_id,
  kind: r.kind,
  destination: r.destination,
  count: r.count,
  status: r.status,
  detail: JSON.parse(r.detail_json) as Record<string, unknown>,
  error: r.error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export class ExportsRepo {
  private readonly stmts;

  constructor(db: Database) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO exports (run_id, kind, destination, count, created_at, status, detail_json)
                          VALUES (@runId, @kind, @destination, 0, @now, 'running', @detail)`),
      finish: db.prepare(`UPDATE exports SET status = 'completed', count = @count, finished_at = @now WHERE id = @id AND status = 'running'`),
      fail: db.prepare(`UPDATE exports SET status = 'failed', error = @error, finished_at = @now WHERE id = @id AND status = 'running'`),
      get: db.prepare<[number], ExportRow>('SELECT * FROM exports WHERE id = ?'),
      list: db.prepare<[], ExportRow>('SELECT * FROM exports ORDER BY id DESC'),
      listRun: db.prepare<[number], ExportRow>('SELECT * FROM exports WHERE run_id = ? ORDER BY id DESC'),
    };
  }

  create(input: { runId: number; kind: ExportKind; destination: string; detail?: Record<string, unknown> }): number {
    const info = this.stmts.insert.run({
      runId: input.runId,
      kind: input.kind,
      destination: input.destination,
      now: nowIso(),
      detail: JSON.stringify(input.detail ?? {}),
    });
    return Number(info.lastInsertRowid);
  }

  finish(id: number, count: number): void {
    if (this.stmts.finish.run({ id, count, now: nowIso() }).changes === 0) throw new Error(`Export ${id} is not running`);
  }

  fail(id: number, error: string): void {
    if (this.stmts.fail.run({ id, error, now: nowIso() }).changes === 0) throw new Error(`Export ${id} is not running`);
  }

  get(id: number): ExportRecord | undefined {
    const row = this.stmts.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  list(opts: { runId?: number } = {}): ExportRecord[] {
    return (opts.runId === undefined ? this.stmts.list.all() : this.stmts.listRun.all(opts.runId)).map(toRecord);
  }
}
