#!/usr/bin/env node
// The CLI entry. It runs the built JavaScript (out/cli/<id>/main.js, see scripts/build-cli.mjs)
// when that build is fresh, i.e. made from exactly the source files now in src/; when it is not
// (a developer edited src/, a fresh checkout), it rebuilds it first (esbuild, about a second).
// Where no build can be made (a read-only install, esbuild missing, a source that does not
// compile) the TypeScript sources run through tsx, as they always did: never stale JavaScript.
// SEG_STUDIO_CLI_SOURCE=1 always runs the sources through tsx.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshCliBuild } from '../scripts/cli-bundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const debug = Boolean(process.env.SEG_STUDIO_DEBUG);

async function builtEntry() {
  if (process.env.SEG_STUDIO_CLI_SOURCE === '1') return null;
  const fresh = freshCliBuild(root);
  if (fresh) return join(fresh, 'main.js');
  try {
    const { buildCli } = await import('../scripts/build-cli.mjs');
    return join(await buildCli(root), 'main.js');
  } catch (err) {
    if (debug) process.stderr.write(`seg-studio: running the sources through tsx (no CLI build: ${err.message})\n`);
    return null;
  }
}

let entry = await builtEntry();
if (entry) {
  if (debug) process.setSourceMapsEnabled(true);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = join(root, 'src', 'cli', 'main.ts');
}
if (debug) process.stderr.write(`seg-studio: running ${entry}\n`);
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2));
process.exitCode = typeof code === 'number' ? code : 0;
