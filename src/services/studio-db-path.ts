// The database the CLI, the HTTP host and the desktop app share by default: Electron's userData
// folder for this app ("pet-segmentation-studio"), computed the same way without Electron, so
// `seg-studio runs` lists the runs the app made. SEG_STUDIO_DB or --db override it.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const APP_NAME = 'pet-segmentation-studio';

export function userDataFolder(): string {
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export function resolveDbPath(flag?: string): string {
  if (flag) return resolve(flag);
  if (process.env.SEG_STUDIO_DB) return resolve(process.env.SEG_STUDIO_DB);
  return join(userDataFolder(), 'studio.db');
}
