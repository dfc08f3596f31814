// The upgrade path: a file written by the v1 schema (the migrations module stopped at v1, rows
// inserted with v1's columns only), or by v2, is opened by the current code and upgraded in place.
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../src/store/migrations';
import { openDatabase } from '../src/store/open-database';
import { openStore } from '../src/store/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-mig-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const TABLES = ['datasets', 'samples', 'runs', 'epoch_metrics', 'predictions', 'exports'];

/** A v1 database with rows in every table, written only with v1's columns. */
function makeV1(file: string): Record<string, unknown[]> {
  const db = new BetterSqlite3(file);
  db.pragma('foreign_keys = ON');
  expect(migrate(db, { target: 1 })).toEqual([1]);
  expect(schemaVersion(db)).toBe(1);
  const t = '2024-05-01T10:00:00.000Z';
  db.prepare(`INSERT INTO datasets (id, root, layout, name, train_count, valid_count, test_count, unlabeled_count, report_json, created_at, last_used_at)
              VALUES (1, '/data/oxford', 'oxford', 'oxford', 2, 1, 0, 1, ?, ?, ?)`)
    .run(JSON.stringify({ root: '/data/oxford', layout: 'oxford', skipped: [{ file: 'x.jpg', reason: 'unreadable' }, { file: 'y.png', reason: 'no image' }], counts: { train: 2, valid: 1, test: 0, unlabeled: 1 } }), t, t);
  const sample = db.prepare(`INSERT INTO samples (id, dataset_id, stem, image_path, mask_path, mask_encoding, split, width, height, species, breed, class_id, label_status, content_hash)
                             VALUES (?, 1, ?, ?, ?, 'trimap', ?, 500, 375, 'cat', 'Abyssinian', 1, ?, NULL)`);
  sample.run(1, 'Abyssinian_1', '/data/oxford/images/Abyssinian_1.jpg', '/data/oxford/annotations/trimaps/Abyssinian_1.png', 'train', 'labeled');
  sample.run(2, 'Abyssinian_2', '/data/oxford/images/Abyssinian_2.jpg', '/data/oxford/annotations/trimaps/Abyssinian_2.png', 'train', 'edited');
  sample.run(3, 'Abyssinian_3', '/data/oxford/images/Abyssinian_3.jpg', '/data/oxford/annotations/trimaps/Abyssinian_3.png', 'valid', 'labeled');
  sample.run(4, 'Abyssinian_4', '/data/oxford/images/Abyssinian_4.jpg', null, 'train', 'unlabeled');
  const run = db.prepare(`INSERT INTO runs (id, config_json, status, backend, device, created_at, started_at, ended_at, epochs_done, best_valid_dice, best_epoch, test_dice, checkpoint_path, output_dir, error, worker_pid)
                          VALUES (?, ?, ?, 'cpu', 'cpu', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  run.run(1, JSON.stringify({ data: '/data/oxford', model: 'unet', base: 16, size: 128, epochs: 2 }), 'completed', t, t, t, 2, 0.81, 2, 0.79, '/runs/1/best', '/runs/1', null, null);
  run.run(2, JSON.stringify({ data: '/elsewhere', model: 'resnet34_unet', base: 64, size: 256, epochs: 9 }), 'running', t, t, null, 0, null, null, null, null, '/runs/2', null, 999999);
  const m = db.prepare(`INSERT INTO epoch_metrics VALUES (1, ?, 0.7, ?, 0.3, 0.32, 0.3, 0.25, 0.001, 30.5, 12.25)`);
  m.run(1, 0.75);
  m.run(2, 0.81);
  db.prepare(`INSERT INTO predictions (run_id, sample_id, split, dice, mask_path) VALUES (1, 3, 'valid', 0.66, '/p/3.png')`).run();
  db.prepare(`INSERT INTO exports (run_id, kind, destination, count, created_at, status) VALUES (1, 'masks', '/out', 3, ?, 'completed')`).run(t);
  const rows = Object.fromEntries(TABLES.map((name) => [name, db.prepare(`SELECT * FROM ${name} ORDER BY rowid`).all()]));
  db.close();
  return rows;
}

describe('migrations', () => {
  it('numbers steps 1..N with no gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(2);
  });

  it('upgrades a v1 file in place without losing a row, and backfills the v2 columns', () => {
    const file = join(dir, 'studio.db');
    const before = makeV1(file);
    const store = openStore(file);
    try {
      expect(schemaVersion(store.db)).toBe(LATEST_VERSION);
      // Every v1 row is still there with every v1 column unchanged.
      for (const table of TABLES) {
        const after = store.db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Array<Record<string, unknown>>;
        expect(after.length, table).toBe(before[table]!.length);
        after.forEach((row, i) => expect(row, `${table} row ${i}`).toMatchObject(before[table]![i] as Record<string, unknown>));
      }
      // v2 backfills: names and datasets from the stored config, skipped counts from the report.
      const r1 = store.runs.get(1)!;
      expect(r1).toMatchObject({ name: 'unet b16 128px', datasetId: 1, status: 'completed', bestValidDice: 0.81, bestEpoch: 2, testDice: 0.79, epochsDone: 2 });
      expect(r1.config).toMatchObject({ data: '/data/oxford', batchSize: 4 });
      expect(r1.metrics.map((x) => x.validDice)).toEqual([0.75, 0.81]);
      // A v1 row left `running` by a process that is gone (pid 999999, no host, no lease): the
      // first read sees it as interrupted, with the pid it was recorded under.
      const r2 = store.runs.get(2)!;
      expect(r2).toMatchObject({ name: 'resnet34_unet b64 256px', datasetId: null, status: 'interrupted', workerPid: null });
      expect(r2.error).toMatch(/pid 999999\) is gone/);
      expect(store.datasets.get(1)).toMatchObject({ skippedCount: 2, counts: { train: 2, valid: 1, test: 0, unlabeled: 1 } });
      expect(store.samples.get(1, 'Abyssinian_2')!.labelStatus).toBe('edited');
      expect(store.predictions.get(1, 1, 'Abyssinian_3')).toMatchObject({ dice: 0.66, split: 'valid' });
      expect(store.exports.list({ runId: 1 })[0]).toMatchObject({ status: 'completed', count: 3, detail: {}, finishedAt: '2024-05-01T10:00:00.000Z' });
      const indices = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").pluck().all();
      expect(indices).toEqual(expect.arrayContaining(['runs_by_status', 'samples_by_split', 'predictions_by_split']));
      // The upgraded file works with the current code.
      const id = store.runs.create({ data: '/data/oxford' });
      expect(store.runs.get(id)!.datasetId).toBe(1);
      expect(store.integrityCheck()).toBe('ok');
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('rolls a failing step back completely and reports the file', () => {
    const file = join(dir, 'studio.db');
    makeV1(file);
    // An object that collides with a v2 index makes the v2 step fail halfway through its SQL.
    const raw = new BetterSqlite3(file);
    raw.exec('CREATE TABLE predictions_by_split (x INTEGER)');
    raw.close();
    expect(() => openDatabase(file)).toThrow(file);
    const check = new BetterSqlite3(file);
    try {
      expect(schemaVersion(check)).toBe(1);
      const runCols = check.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('runs');
      expect(runCols).not.toContain('name');
      expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'runs_by_status'").pluck().get()).toBe(0);
      expect(check.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(2);
    } finally {
      check.close();
    }
  });

  it('upgrades a v2 file to v3: v2 runs keep their pid-only owner, and device claims work', () => {
    const file = join(dir, 'studio.db');
    const db = new BetterSqlite3(file);
    expect(migrate(db, { target: 2 })).toEqual([1, 2]);
    const t = '2024-06-01T10:00:00.000Z';
    const insert = db.prepare(`INSERT INTO runs (id, config_json, status, created_at, worker_pid, name) VALUES (?, ?, 'running', ?, ?, 'v2 run')`);
    // One owned by a live process (this one), one by a pid that does not exist.
    insert.run(1, JSON.stringify({ data: '/d' }), t, process.pid);
    insert.run(2, JSON.stringify({ data: '/d' }), t, 999_999);
    db.close();
    const store = openStore(file);
    try {
      expect(schemaVersion(store.db)).toBe(LATEST_VERSION);
      const cols = store.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('runs');
      expect(cols).toEqual(expect.arrayContaining(['owner_host', 'owner_start', 'lease_expires_at']));
      // Without host or start identity, a v2 row is judged by its pid alone, as v2 did.
      expect(store.runs.get(1)).toMatchObject({ status: 'running', workerPid: process.pid, ownerHost: null });
      expect(store.runs.get(2)).toMatchObject({ status: 'interrupted', workerPid: null });
      const me = { pid: process.pid, host: 'h', start: null };
      expect(store.deviceClaims.claim('cpu@h', 1, me)).toEqual({ acquired: true });
      expect(store.integrityCheck()).toBe('ok');
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('lets two processes open and upgrade the same old file at once', async () => {
    const file = join(dir, 'studio.db');
    makeV1(file);
    // The app and its training worker both open the database at start-up; each step must apply once.
    const script = `import { openStore } from ${JSON.stringify(resolve('src/store/store.ts'))};
      const s = openStore(process.argv[1]); s.runs.create({ data: '/concurrent' }); s.close();`;
    const runChild = () =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (b) => (stderr += String(b)));
        child.on('exit', (code) => done({ code, stderr }));
      });
    const results = await Promise.all([runChild(), runChild()]);
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const store = openStore(file);
    try {
      expect(schemaVersion(store.db)).toBe(LATEST_VERSION);
      expect(store.runs.list().filter((r) => r.config.data === '/concurrent')).toHaveLength(2);
      expect(store.runs.list()).toHaveLength(4);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
  });

  it('refuses to migrate to an unknown version', () => {
    const db = new BetterSqlite3(join(dir, 'x.db'));
    expect(() => migrate(db, { target: LATEST_VERSION + 1 })).toThrow(/knows v0\.\.v/);
    expect(schemaVersion(db)).toBe(0);
    db.close();
  });
});
