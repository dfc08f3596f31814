// Versioned schema migrations. `PRAGMA user_version` records the version a file is at; each step
// runs in its own IMMEDIATE transaction (DDL + data + the version bump commit together), so a
// crash mid-upgrade leaves the file at the previous version, never half-migrated. Steps are
// append-only: a released step is never edited, a change is always a new step.
import type { Database } from './db-types';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

// v1: the initial schema. Frozen — kept exactly as first shipped so files made by it upgrade.
const V1 = `
CREATE TABLE datasets (
  id              INTEGER PRIMARY KEY,
  root            TEXT NOT NULL UNIQUE,
  layout          TEXT NOT NULL CHECK (layout IN ('oxford', 'generic')),
  name            TEXT NOT NULL,
  train_count     INTEGER NOT NULL DEFAULT 0 CHECK (train_count >= 0),
  valid_count     INTEGER NOT NULL DEFAULT 0 CHECK (valid_count >= 0),
  test_count      INTEGER NOT NULL DEFAULT 0 CHECK (test_count >= 0),
  unlabeled_count INTEGER NOT NULL DEFAULT 0 CHECK (unlabeled_count >= 0),
  report_json     TEXT NOT NULL CHECK (json_valid(report_json)),
  created_at      TEXT NOT NULL,
  last_used_at    TEXT NOT NULL
);

CREATE TABLE samples (
  id            INTEGER PRIMARY KEY,
  dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  stem          TEXT NOT NULL,
  image_path    TEXT NOT NULL,
  mask_path     TEXT,
  mask_encoding TEXT NOT NULL CHECK (mask_encoding IN ('trimap', 'binary')),
  split         TEXT NOT NULL CHECK (split IN ('train', 'valid', 'test')),
  width         INTEGER NOT NULL CHECK (width > 0),
  height        INTEGER NOT NULL CHECK (height > 0),
  species       TEXT CHECK (species IN ('cat', 'dog')),
  breed         TEXT,
  class_id      INTEGER,
  label_status  TEXT NOT NULL CHECK (label_status IN ('labeled', 'unlabeled', 'edited')),
  content_hash  TEXT,
  UNIQUE (dataset_id, stem)
);

CREATE TABLE runs (
  id              INTEGER PRIMARY KEY,
  config_json     TEXT NOT NULL CHECK (json_valid(config_json)),
  status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  backend         TEXT,
  device          TEXT,
  created_at      TEXT NOT NULL,
  started_at      TEXT,
  ended_at        TEXT,
  epochs_done     INTEGER NOT NULL DEFAULT 0 CHECK (epochs_done >= 0),
  best_valid_dice REAL,
  best_epoch      INTEGER CHECK (best_epoch IS NULL OR (best_epoch >= 1 AND best_epoch <= epochs_done)),
  test_dice       REAL,
  checkpoint_path TEXT,
  output_dir      TEXT,
  error           TEXT,
  worker_pid      INTEGER
);

-- Metric columns are nullable on purpose: a diverged epoch yields NaN, which SQLite stores as
-- NULL, and losing the record of that epoch would be worse than storing "no number".
CREATE TABLE epoch_metrics (
  run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch             INTEGER NOT NULL CHECK (epoch >= 1),
  train_dice        REAL,
  valid_dice        REAL,
  train_bce         REAL,
  valid_bce         REAL,
  train_dice_loss   REAL,
  valid_dice_loss   REAL,
  learning_rate     REAL,
  seconds           REAL,
  images_per_second REAL,
  PRIMARY KEY (run_id, epoch)
);

CREATE TABLE predictions (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  split     TEXT NOT NULL CHECK (split IN ('train', 'valid', 'test')),
  dice      REAL,
  mask_path TEXT NOT NULL,
  UNIQUE (run_id, sample_id)
);

CREATE TABLE exports (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('masks', 'model')),
  destination TEXT NOT NULL,
  count       INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
  created_at  TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed'))
);
`;

// v2: what the run list, the sample browser and the export log need without scanning or
// re-parsing JSON on every query:
//  - runs.name (shown in lists) and runs.dataset_id (the runs of a dataset), both backfilled
//    from the stored config; dataset_id is SET NULL when a dataset is removed so runs survive;
//  - datasets.skipped_count, backfilled from the stored import report;
//  - exports.detail_json / error / finished_at so a failed export says why and when;
//  - indices for the hot queries: runs by status (start-up recovery, queue), samples by split,
//    predictions of a run by split (Dice-ordered browsing).
const V2 = `
ALTER TABLE runs ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL;
UPDATE runs SET name = json_extract(config_json, '$.model') || ' b' || json_extract(config_json, '$.base')
                       || ' ' || json_extract(config_json, '$.size') || 'px'
  WHERE name = '';
UPDATE runs SET dataset_id = (SELECT d.id FROM datasets d WHERE d.root = json_extract(runs.config_json, '$.data'));

ALTER TABLE datasets ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0;
UPDATE datasets SET skipped_count = coalesce(json_array_length(report_json, '$.skipped'), 0);

ALTER TABLE exports ADD COLUMN detail_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE exports ADD COLUMN error TEXT;
ALTER TABLE exports ADD COLUMN finished_at TEXT;
UPDATE exports SET finished_at = created_at WHERE status <> 'running';

CREATE INDEX runs_by_status ON runs(status);
CREATE INDEX runs_by_dataset ON runs(dataset_id);
CREATE INDEX samples_by_split ON samples(dataset_id, split, stem);
CREATE INDEX samples_by_breed ON samples(dataset_id, species, breed);
CREATE INDEX predictions_by_split ON predictions(run_id, split, dice);
CREATE INDEX predictions_by_sample ON predictions(sample_id);
CREATE INDEX exports_by_run ON exports(run_id, created_at);
`;

// v3: who owns an unfinished run, checkable from any process (issue 11). `worker_pid` alone
// could not tell a recycled pid from the owner, nor a process on another host; a `kill -9`ed
// CLI run stayed `running` until the app restarted. Each run now records its owner's host and
// start identity and a lease the live owner renews (src/store/process-owner.ts). One training
// per device across processes: `device_claims` holds one row per device, taken in an IMMEDIATE
// transaction and taken over when its holder is gone.
const V3 = `
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN owner_start TEXT;
ALTER TABLE runs ADD COLUMN lease_expires_at TEXT;

CREATE TABLE device_claims (
  device           TEXT PRIMARY KEY,
  run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  owner_pid        INTEGER NOT NULL,
  owner_host       TEXT NOT NULL,
  owner_start      TEXT,
  lease_expires_at TEXT NOT NULL,
  claimed_at       TEXT NOT NULL
);
`;

// v4: labeling effort on record (issue 13): one row per saved mask with the active seconds the
// editor measured (idle gaps over a minute left out), the clicks and strokes made, and the
// suggestion the label started from (none, a run's prediction, or a click-to-segment run) with
// how many pixels the saved mask differs from it (0 = the suggestion accepted as it was). Rows
// follow their sample (CASCADE); the run that made a suggestion may be deleted (SET NULL).
const V4 = `
CREATE TABLE label_effort (
  id              INTEGER PRIMARY KEY,
  sample_id       INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  saved_at        TEXT NOT NULL,
  mask_path       TEXT NOT NULL,
  seconds         REAL NOT NULL CHECK (seconds >= 0),
  clicks          INTEGER NOT NULL CHECK (clicks >= 0),
  strokes         INTEGER NOT NULL CHECK (strokes >= 0),
  source          TEXT NOT NULL CHECK (source IN ('none', 'prediction', 'interactive')),
  source_run_id   INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  changed_pixels  INTEGER CHECK (changed_pixels IS NULL OR changed_pixels >= 0),
  CHECK ((source = 'none') = (changed_pixels IS NULL))
);
CREATE INDEX label_effort_by_sample ON label_effort(sample_id, saved_at);
`;

// v5: sweeps (issue 14): a grid of run configurations tried one after another, each as an
// ordinary run. The sweep keeps the base config and the grid as given; each configuration (its
// grid values and full run config) gets a row, and its run id once a run was started for it, so
// a sweep whose process died continues with the first configuration that has no finished run.
// A deleted run leaves its configuration without a run (SET NULL): the next resume tries it again.
const V5 = `
CREATE TABLE sweeps (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL DEFAULT '',
  base_config_json TEXT NOT NULL,
  grid_json        TEXT NOT NULL,
  minutes_each     REAL,
  created_at       TEXT NOT NULL,
  finished_at      TEXT
);
CREATE TABLE sweep_configurations (
  sweep_id      INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  position      INTEGER NOT NULL CHECK (position >= 0),
  settings_json TEXT NOT NULL,
  config_json   TEXT NOT NULL,
  run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  PRIMARY KEY (sweep_id, position)
);
CREATE INDEX sweep_configurations_by_run ON sweep_configurations(run_id);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'initial schema', sql: V1 },
  { version: 2, description: 'run names and datasets, skipped counts, export details, query indices', sql: V2 },
  { version: 3, description: 'run owners (host, start identity, lease) and device claims', sql: V3 },
  { version: 4, description: 'labeling effort per saved mask', sql: V4 },
  { version: 5, description: 'sweeps: configurations tried one after another as runs', sql: V5 },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` up to `target` (default: the latest). Returns the versions applied. Each step
 * re-reads the version inside its IMMEDIATE transaction, so two processes opening the same
 * file at once (the app and a worker) never apply a step twice.
 */
export function migrate(db: Database, opts: { target?: number; file?: string } = {}): number[] {
  const target = opts.target ?? LATEST_VERSION;
  const where = opts.file ?? db.name;
  if (!Number.isInteger(target) || target < 0 || target > LATEST_VERSION) {
    throw new Error(`Cannot migrate ${where} to schema v${target}: this build knows v0..v${LATEST_VERSION}`);
  }
  const current = schemaVersion(db);
  if (current > LATEST_VERSION) {
    throw new Error(
      `${where} uses database schema v${current}, newer than this version of the studio understands (v${LATEST_VERSION}); ` +
        'update the studio, or use another database file (--db / SEG_STUDIO_DB). The file was not modified.',
    );
  }
  const applied: number[] = [];
  for (const step of MIGRATIONS) {
    if (step.version > target) break;
    const ran = db
      .transaction(() => {
        if (schemaVersion(db) >= step.version) return false;
        db.exec(step.sql);
        db.pragma(`user_version = ${step.version}`);
        return true;
      })
      .immediate();
    if (ran) applied.push(step.version);
  }
  return applied;
}
