// The one place that names better-sqlite3's types, so repositories depend on a short alias and
// a driver upgrade touches one file.
import type BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;
export type Statement<P extends unknown[] = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

/** Timestamps are ISO-8601 UTC text: sortable as strings and readable in any SQLite shell. */
export function nowIso(): string {
  return new Date().toISOString();
}
