#!/usr/bin/env node
// The CLI entry: runs the TypeScript sources through tsx so the CLI, the worker and the tests
// share one copy of the engine with no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

register();
const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.ts');
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2));
process.exitCode = typeof code === 'number' ? code : 0;
