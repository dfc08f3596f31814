// Sweeps: a grid of run configurations tried one after another (schema v5). A configuration
// gets its run id when a run is started for it; attaching is guarded in SQL (`run_id IS NULL`),
// so two processes resuming one sweep never start the same configuration twice.
import { nowIso, type Database } from './db-types';

export interface SweepConfigurationRecord {
  position: number;
  /** This configuration's grid values, by config field. */
  settings: Record<string, number | string | boolean>;
  /** The full run config it trains with. */
  config: unknown;
  runId: number | null;
}

export interface SweepRecord {
  id: number;
  name: string;
  baseConfig: Record<string, unknown>;
  grid: Record<string, Array<number | string | boolean>>;
  minutesEach: number | null;
  createdAt: string;
  finishedAt: string | null;
  configurations: SweepConfigurationRecord[];
}

interface SweepRow {
  id: number;
  name: string;
  base_config_json: string;
  grid_json: string;
  minutes_each: number | null;
  created_at: string;
  finished_at: string | null;
}

interface ConfigurationRow {
  position: number;
  settings_json: string;
  config_json: string;
  run_id: number | null;
}

export class SweepsRepo {
  constructor(private readonly db: Database) {}

  create(input: {
    name: string;
    baseConfig: Record<string, unknown>;
    grid: SweepRecord['grid'];
    minutesEach: number | null;
    configurations: Array<{ settings: SweepConfigurationRecord['settings']; config: unknown }>;
  }): number {
    return this.db
      .transaction(() => {
        const id = Number(
          this.db
            .prepare('INSERT INTO sweeps (name, base_config_json, grid_json, minutes_each, created_at) VALUES (?, ?, ?, ?, ?)')
            .run(input.name, JSON.stringify(input.baseConfig), JSON.stringify(input.grid), input.minutesEach, nowIso()).lastInsertRowid,
        );
        const add = this.db.prepare('INSERT INTO sweep_configurations (sweep_id, position, settings_json, config_json) VALUES (?, ?, ?, ?)');
        input.configurations.forEach((c, i) => add.run(id, i, JSON.stringify(c.settings), JSON.stringify(c.config)));
        return id;
      })
      .immediate();
  }

  get(id: number): SweepRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
    return row ? this.record(row) : undefined;
  }

  /** Newest first. */
  list(limit = 100): SweepRecord[] {
    return (this.db.prepare('SELECT * FROM sweeps ORDER BY id DESC LIMIT ?').all(limit) as SweepRow[]).map((r) => this.record(r));
  }

  /**
   * Records the run started for a configuration. Throws when the configuration already has one
   * (another process took it first): the caller then gives its own run up.
   */
  attachRun(sweepId: number, position: number, runId: number): void {
    const res = this.db.prepare('UPDATE sweep_configurations SET run_id = ? WHERE sweep_id = ? AND position = ? AND run_id IS NULL').run(runId, sweepId, position);
    if (res.changes !== 1) throw new Error(`sweep ${sweepId}: configuration ${position + 1} already has a run (another process is running this sweep?)`);
  }

  /** Every configuration has a finished run: the sweep is done (cleared again if one is resumed). */
  setFinished(id: number, finished: boolean): void {
    this.db.prepare('UPDATE sweeps SET finished_at = ? WHERE id = ?').run(finished ? nowIso() : null, id);
  }

  private record(row: SweepRow): SweepRecord {
    const configurations = (
      this.db.prepare('SELECT position, settings_json, config_json, run_id FROM sweep_configurations WHERE sweep_id = ? ORDER BY position').all(row.id) as ConfigurationRow[]
    ).map((c) => ({ position: c.position, settings: JSON.parse(c.settings_json), config: JSON.parse(c.config_json), runId: c.run_id }));
    return {
      id: row.id,
      name: row.name,
      baseConfig: JSON.parse(row.base_config_json),
      grid: JSON.parse(row.grid_json),
      minutesEach: row.minutes_each,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      configurations,
    };
  }
}
