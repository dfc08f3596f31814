// The database the CLI, the HTTP host and the desktop app share by default, so `seg-studio runs`
// lists the runs the app made: --db > SEG_STUDIO_DB > SEG_STUDIO_HOME/studio.db > the per-user
// data folder (src/store/default-db-path.ts). The Electron main process points its userData at
// the same folder.
import { resolve } from 'node:path';
import { defaultDbPath, userDataDir } from '../store/default-db-path';

export function userDataFolder(): string {
  return userDataDir();
}

export function resolveDbPath(flag?: string): string {
  return flag ? resolve(flag) : defaultDbPath();
}
