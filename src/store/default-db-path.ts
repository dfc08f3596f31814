// Where the CLI's database lives when nothing says otherwise. Precedence, most specific first:
// --db PATH > SEG_STUDIO_DB > SEG_STUDIO_HOME/studio.db > the platform's per-user data folder.
// Electron does not use this: it passes app.getPath('userData') itself.
import { homedir as osHomedir } from 'node:os';
import { posix, win32 } from 'node:path';

export const APP_FOLDER = 'pet-segmentation-studio';
export const DB_FILE = 'studio.db';

export interface DbPathInputs {
  /** CLI arguments, searched for `--db PATH` / `--db=PATH`. */
  argv?: readonly string[];
  /** An already-parsed --db value; wins over argv. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
  cwd?: string;
}

/** The value of `--db` in argv, if present. A bare `--db` with no value is an error, not a default. */
export function dbFlagFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('--db=')) {
      const v = a.slice('--db='.length);
      if (!v) throw new Error('--db needs a file path');
      return v;
    }
    if (a === '--db') {
      const v = argv[i + 1];
      if (v === undefined || v === '' || v.startsWith('--')) throw new Error('--db needs a file path');
      return v;
    }
  }
  return undefined;
}

/** The per-user data folder for the app (without the file name). */
export function userDataDir(inputs: Pick<DbPathInputs, 'env' | 'platform' | 'homedir'> = {}): string {
  const env = inputs.env ?? process.env;
  const platform = inputs.platform ?? process.platform;
  const home = inputs.homedir ?? osHomedir();
  if (platform === 'win32') {
    // Roaming AppData, like Electron's userData, so a Windows user's runs follow their profile.
    return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), APP_FOLDER);
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', APP_FOLDER);
  // XDG: only an absolute XDG_DATA_HOME counts (the spec says relative values are ignored).
  const xdg = env.XDG_DATA_HOME && posix.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : posix.join(home, '.local', 'share');
  return posix.join(xdg, APP_FOLDER);
}

export function defaultDbPath(inputs: DbPathInputs = {}): string {
  const env = inputs.env ?? process.env;
  const platform = inputs.platform ?? process.platform;
  const path = platform === 'win32' ? win32 : posix;
  const cwd = inputs.cwd ?? process.cwd();
  const flag = inputs.flag ?? (inputs.argv ? dbFlagFromArgv(inputs.argv) : undefined);
  if (flag) return path.resolve(cwd, flag);
  if (env.SEG_STUDIO_DB) return path.resolve(cwd, env.SEG_STUDIO_DB);
  if (env.SEG_STUDIO_HOME) return path.join(path.resolve(cwd, env.SEG_STUDIO_HOME), DB_FILE);
  return path.join(userDataDir({ env, platform, homedir: inputs.homedir }), DB_FILE);
}
