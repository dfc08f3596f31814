// openDatabase on real files: pragmas, refusal of foreign/newer files without touching them,
// foreign keys, and the nativeBinding pass-through the Electron main process relies on.
import BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION } from '../src/store/migrations';
import { openDatabase } from '../src/store/open-database';
import { openStore } from '../src/store/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-open-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDatabase', () => {
  it('creates missing folders and sets WAL, foreign keys, busy timeout, synchronous=NORMAL, latest schema', () => {
    const file = join(dir, 'a', 'b', 'studio.db');
    const db = openDatabase(file);
    try {
      expect(existsSync(file)).toBe(true);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // 1 = NORMAL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['datasets', 'device_claims', 'epoch_metrics', 'exports', 'label_effort', 'predictions', 'runs', 'samples', 'sweep_configurations', 'sweeps']);
    } finally {
      db.close();
    }
  });

  it('reopens an up-to-date file without changing it', () => {
    const file = join(dir, 'studio.db');
    const s = openStore(file);
    const id = s.runs.create({ data: '/data/pets' });
    s.close();
    const again = openStore(file);
    expect(again.runs.get(id)?.config.data).toBe('/data/pets');
    expect(again.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    again.close();
  });

  it('refuses a file that is not SQLite, names it, and leaves it byte-identical', () => {
    const file = join(dir, 'notes.db');
    const bytes = Buffer.from('These are my notes, not a database.\n'.repeat(200));
    writeFileSync(file, bytes);
    expect(() => openDatabase(file)).toThrow(file);
    expect(() => openDatabase(file)).toThrow(/not a SQLite database/);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(existsSync(`${file}-shm`)).toBe(false);
  });

  it('refuses a SQLite file with a valid header but garbage after it, naming the file, without modifying it', () => {
    const file = join(dir, 'broken.db');
    const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4096, 0xab)]);
    writeFileSync(file, bytes);
    expect(() => openDatabase(file)).toThrow(file);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses a database from a newer schema version and leaves it untouched', () => {
    const file = join(dir, 'future.db');
    const raw = new BetterSqlite3(file);
    raw.exec('CREATE TABLE future_things (x INTEGER)');
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    const before = readFileSync(file);
    expect(() => openDatabase(file)).toThrow(file);
    expect(() => openDatabase(file)).toThrow(new RegExp(`schema v${LATEST_VERSION + 1}, newer`));
    expect(readFileSync(file).equals(before)).toBe(true);
    const check = new BetterSqlite3(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete'); // WAL was not switched on
    check.close();
  });

  it('refuses another application\'s SQLite database (no schema version, own tables) and leaves it untouched', () => {
    const file = join(dir, 'other-app.sqlite');
    const raw = new BetterSqlite3(file);
    raw.exec("CREATE TABLE runs (id INTEGER PRIMARY KEY, what TEXT); INSERT INTO runs (what) VALUES ('a 10k run')");
    raw.close();
    const before = readFileSync(file);
    expect(() => openDatabase(file)).toThrow(file);
    expect(() => openDatabase(file)).toThrow(/another application/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('treats an empty file as a new database', () => {
    const file = join(dir, 'empty.db');
    writeFileSync(file, '');
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    db.close();
  });

  it('enforces foreign keys', () => {
    const s = openStore(join(dir, 'fk.db'));
    try {
      expect(() => s.metrics.upsert(999, { epoch: 1, trainDice: 0.5, trainBce: 0.1, trainDiceLoss: 0.5, validDice: 0.5, validBce: 0.1, validDiceLoss: 0.5, learningRate: 1e-3, seconds: 1, imagesPerSecond: 10 })).toThrow(/FOREIGN KEY/);
      expect(() => s.exports.create({ runId: 12345, kind: 'masks', destination: '/tmp/x' })).toThrow(/FOREIGN KEY/);
      expect(() => s.samples.replaceAll(77, [{ id: 'a', imagePath: '/a.jpg', maskEncoding: 'binary', split: 'train', width: 1, height: 1 }])).toThrow(/FOREIGN KEY/);
      expect(s.db.prepare('SELECT count(*) FROM samples').pluck().get()).toBe(0);
    } finally {
      s.close();
    }
  });

  it('passes nativeBinding through to better-sqlite3', () => {
    const require = createRequire(import.meta.url);
    const addon = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    const db = openDatabase(join(dir, 'nb.db'), { nativeBinding: addon });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    db.close();
    expect(() => openDatabase(join(dir, 'nb2.db'), { nativeBinding: join(dir, 'missing', 'better_sqlite3.node') })).toThrow();
  });
});
