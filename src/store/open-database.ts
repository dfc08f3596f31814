// Opens (creating if needed) the studio database and brings its schema up to date. Refuses,
// without writing a byte, a file that is not SQLite or whose schema is newer than this code:
// that file may be a user's document or a newer studio's data, and clobbering it is unrecoverable.
import BetterSqlite3 from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Database } from './db-types';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations';

export interface OpenDatabaseOptions {
  /**
   * Path of a better_sqlite3.node built for the running ABI. Electron's main/utility processes
   * pass their Electron-ABI build; the CLI and tests leave it out and get node_modules' build.
   */
  nativeBinding?: string;
  /** How long a writer waits for another process's lock before SQLITE_BUSY (ms). */
  busyTimeoutMs?: number;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Throws when `file` exists, is not empty and does not start with the SQLite header. */
function assertSqliteOrAbsent(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error(`Cannot open database ${file}: it is not a regular file`);
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  // An empty file is what SQLite itself treats as a new database (e.g. a `touch`ed path).
  if (size === 0) return;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) {
    throw new Error(`Cannot open database ${file}: the file is not a SQLite database (it was left untouched)`);
  }
}

export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Database {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  assertSqliteOrAbsent(path);
  const db = new BetterSqlite3(path, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {});
  try {
    // Read the version before any pragma that writes (journal_mode=WAL rewrites the header).
    const version = schemaVersion(db);
    if (version > LATEST_VERSION) {
      throw new Error(
        `Cannot open database ${path}: it uses schema v${version}, newer than this version of the studio understands ` +
          `(v${LATEST_VERSION}). Update the studio or choose another database (--db / SEG_STUDIO_DB); the file was left untouched.`,
      );
    }
    // Version 0 with tables in it is some other application's SQLite file: adding our tables
    // to it would be the clobbering this function promises not to do.
    if (version === 0) {
      const objects = db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number;
      if (objects > 0) {
        throw new Error(
          `Cannot open database ${path}: it is a SQLite database of another application (${objects} schema objects, no studio schema version); the file was left untouched.`,
        );
      }
    }
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    // WAL: the training worker writes epochs while the app reads; readers never block the writer.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') throw new Error(`Cannot open database ${path}: WAL mode refused (journal_mode=${String(mode)})`);
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
    // last commits, which costs at most the epoch in progress.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, { file: path });
    return db;
  } catch (err) {
    db.close();
    // Every failure names the file: with --db, SEG_STUDIO_DB and userData in play, "which file?"
    // is the first question a user has.
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes(path)) throw err;
    throw new Error(`Cannot open database ${path}: ${message}`, { cause: err });
  }
}
