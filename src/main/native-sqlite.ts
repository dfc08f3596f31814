// better-sqlite3 is compiled for Node's ABI by `npm ci`; Electron's main and utility processes
// need a build for Electron's ABI. scripts/build-electron-sqlite.mjs puts one in
// .cache/electron-sqlite/electron-<version>/, and the store loads it via `nativeBinding`, so the
// Node build in node_modules (used by the CLI, the server and the tests) stays untouched.
import { app } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function electronSqliteDir(): string {
  return join(app.getAppPath(), '.cache', 'electron-sqlite', `electron-${process.versions.electron}`);
}

/** The Electron-ABI addon path, or an Error telling the user how to build it. */
export function electronSqliteBinding(): string {
  const file = join(electronSqliteDir(), 'better_sqlite3.node');
  if (existsSync(file)) return file;
  throw new Error(
    `The database driver for Electron ${process.versions.electron} is not built (${file} is missing).\n` +
      'Run `node scripts/build-electron-sqlite.mjs` once (it needs Electron headers or a prebuilt binary from the internet), ' +
      'or use the studio without Electron: `npx seg-studio serve` serves the same app in a browser.',
  );
}
