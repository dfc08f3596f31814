#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into .cache/electron-sqlite/electron-<version>/,
// leaving node_modules' Node build alone (the CLI, the HTTP host and the tests use that one).
// The Electron main process loads the result through the store's `nativeBinding` option.
//
// Needs the internet: first a prebuilt binary for this Electron version (prebuild-install,
// GitHub releases), else a compile against Electron's headers (node-gyp, electronjs.org).
// Offline, it stops with a message saying so; `npx seg-studio serve` works without it.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function version(pkg) {
  return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
}

const electronVersion = process.env.SEG_STUDIO_ELECTRON_VERSION ?? version('electron');
const outDir = join(root, '.cache', 'electron-sqlite', `electron-${electronVersion}`);
const target = join(outDir, 'better_sqlite3.node');
if (existsSync(target) && !process.argv.includes('--force')) {
  console.log(`better-sqlite3 for Electron ${electronVersion}: ${target} (already built)`);
  process.exit(0);
}

// Work on a copy so a failed or partial build never touches node_modules/better-sqlite3.
const src = dirname(require.resolve('better-sqlite3/package.json'));
const work = join(root, '.cache', 'electron-sqlite', 'work');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
cpSync(src, work, { recursive: true, filter: (f) => !f.includes(`${join(src, 'build')}`) });

const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' };
const attempts = [
  ['prebuilt binary', process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion]],
  ['compile against Electron headers', process.execPath, [findNodeGyp(), 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers']],
];

function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    return join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  }
}

const errors = [];
for (const [what, cmd, args] of attempts) {
  try {
    console.log(`better-sqlite3 for Electron ${electronVersion}: trying ${what}...`);
    execFileSync(cmd, args, { cwd: work, env, stdio: 'inherit' });
    const built = join(work, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(built)) throw new Error(`${built} was not produced`);
    mkdirSync(outDir, { recursive: true });
    cpSync(built, target);
    rmSync(work, { recursive: true, force: true });
    console.log(`better-sqlite3 for Electron ${electronVersion}: ${target}`);
    process.exit(0);
  } catch (err) {
    errors.push(`${what}: ${err.message.split('\n')[0]}`);
  }
}
rmSync(work, { recursive: true, force: true });
console.error(
  [
    `Could not build better-sqlite3 for Electron ${electronVersion}:`,
    ...errors.map((e) => `  - ${e}`),
    'Both ways need the internet (GitHub release binaries, or Electron headers from electronjs.org).',
    'Connect and run `node scripts/build-electron-sqlite.mjs` again. Meanwhile `npx seg-studio serve`',
    'serves the same studio in a browser with the Node build of better-sqlite3.',
  ].join('\n'),
);
process.exit(1);
