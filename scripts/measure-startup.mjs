#!/usr/bin/env node
// Start-up times of the CLI as a user meets them: wall time of whole `seg-studio` processes,
// one warm-up run (it may build out/cli or fill tsx's cache) and then N timed runs per command;
// min and median are printed. A measurement, not a test: the numbers depend on the machine and
// on what else it is doing (see the load average printed with them).
//
//   node scripts/measure-startup.mjs [--runs N] [--root DIR] [--source]
//
// --root DIR   measure another checkout (e.g. an older commit unpacked with `git archive`)
// --source     run the TypeScript sources through tsx (SEG_STUDIO_CLI_SOURCE=1) instead of the build
// Targets (issue 11): `--help` under 0.5 s, `model-summary` under 2 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const runs = Number(arg('runs', 5));
const root = resolve(arg('root', join(dirname(fileURLToPath(import.meta.url)), '..')));
const source = process.argv.includes('--source');
const db = join(mkdtempSync(join(tmpdir(), 'seg-startup-')), 'studio.db');

const CASES = [
  { name: '--help', args: ['--help'], target: 0.5 },
  { name: 'runs (empty database)', args: ['runs', '--db', db], target: undefined },
  { name: 'model-summary (UNet-64, 256²)', args: ['model-summary', '--model', 'unet', '--json'], target: 2 },
  { name: 'model-summary (ResNet34-UNet)', args: ['model-summary', '--model', 'resnet34_unet', '--json'], target: 2 },
];

function once(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'seg-studio.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, SEG_STUDIO_CLI_SOURCE: source ? '1' : '', SEG_STUDIO_DEBUG: '' },
    encoding: 'utf8',
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`seg-studio ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return seconds;
}

console.log(`${root} (${source ? 'sources through tsx' : 'as bin/seg-studio.mjs runs it'}), ${runs} runs each, load average ${loadavg()[0].toFixed(2)}`);
for (const c of CASES) {
  once(c.args);
  const times = Array.from({ length: runs }, () => once(c.args)).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const verdict = c.target === undefined ? '' : median < c.target ? `  (target < ${c.target} s: met)` : `  (target < ${c.target} s: NOT met)`;
  console.log(`  ${c.name.padEnd(32)} min ${times[0].toFixed(2)} s  median ${median.toFixed(2)} s${verdict}`);
}
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
