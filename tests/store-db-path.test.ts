// Default database location: --db > SEG_STUDIO_DB > SEG_STUDIO_HOME > per-platform data folder.
import { describe, expect, it } from 'vitest';
import { dbFlagFromArgv, defaultDbPath } from '../src/store/default-db-path';

const home = '/home/ada';
const linux = { platform: 'linux' as const, homedir: home, cwd: '/work' };

describe('defaultDbPath', () => {
  it('prefers --db, then SEG_STUDIO_DB, then SEG_STUDIO_HOME, then the XDG data folder', () => {
    const env = { SEG_STUDIO_DB: '/env/db.sqlite', SEG_STUDIO_HOME: '/studio-home', XDG_DATA_HOME: '/xdg' };
    expect(defaultDbPath({ ...linux, env, argv: ['runs', '--db', 'my.db'] })).toBe('/work/my.db');
    expect(defaultDbPath({ ...linux, env, argv: ['runs', '--db=/abs/x.db'] })).toBe('/abs/x.db');
    expect(defaultDbPath({ ...linux, env, argv: ['runs'] })).toBe('/env/db.sqlite');
    expect(defaultDbPath({ ...linux, env: { SEG_STUDIO_HOME: 'rel', XDG_DATA_HOME: '/xdg' } })).toBe('/work/rel/studio.db');
    expect(defaultDbPath({ ...linux, env: { XDG_DATA_HOME: '/xdg' } })).toBe('/xdg/pet-segmentation-studio/studio.db');
    expect(defaultDbPath({ ...linux, env: {} })).toBe('/home/ada/.local/share/pet-segmentation-studio/studio.db');
    // A relative XDG_DATA_HOME is invalid per the spec and ignored.
    expect(defaultDbPath({ ...linux, env: { XDG_DATA_HOME: 'relative' } })).toBe('/home/ada/.local/share/pet-segmentation-studio/studio.db');
    expect(defaultDbPath({ ...linux, env, flag: '/flag.db', argv: ['--db', 'other.db'] })).toBe('/flag.db');
  });

  it('uses the usual per-user folders on macOS and Windows', () => {
    expect(defaultDbPath({ platform: 'darwin', homedir: '/Users/ada', env: {} })).toBe('/Users/ada/Library/Application Support/pet-segmentation-studio/studio.db');
    expect(defaultDbPath({ platform: 'win32', homedir: 'C:\\Users\\ada', env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' } })).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\pet-segmentation-studio\\studio.db',
    );
    expect(defaultDbPath({ platform: 'win32', homedir: 'C:\\Users\\ada', env: {} })).toBe('C:\\Users\\ada\\AppData\\Roaming\\pet-segmentation-studio\\studio.db');
  });

  it('rejects a --db without a value and stops at --', () => {
    expect(() => dbFlagFromArgv(['--db'])).toThrow(/needs a file path/);
    expect(() => dbFlagFromArgv(['--db', '--json'])).toThrow(/needs a file path/);
    expect(() => dbFlagFromArgv(['--db='])).toThrow(/needs a file path/);
    expect(dbFlagFromArgv(['train', '--', '--db', 'x'])).toBeUndefined();
  });
});
