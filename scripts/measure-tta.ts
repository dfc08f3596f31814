#!/usr/bin/env -S npx tsx
// What test-time augmentation (engine/infer/tta.ts) buys and costs on a checkpoint: the Dice of a
// split with and without it (at the model's size and at the photos' own sizes, as `eval` reports
// them), and the seconds of each evaluation, alternated R times in one process so both see the
// same machine load (the median is reported; decoding the labels at full size is in both).
// Usage: npx tsx scripts/measure-tta.ts CHECKPOINT DATA [split=test] [R=3]
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { selectBackend } from '../src/engine/backend/select-backend';
import { importDataset } from '../src/engine/data/import-dataset';
import { resolveDataPath } from '../src/engine/data/resolve-data-path';
import { evaluateModel } from '../src/engine/infer/evaluate';
import { loadCheckpoint } from '../src/engine/train/checkpoint';

const [ckptPath, data, split = 'test', repeats = '3'] = process.argv.slice(2);
if (!ckptPath || !data) throw new Error('usage: measure-tta.ts CHECKPOINT DATA [split] [repeats]');
const backend = await selectBackend('auto');
const ckpt = await loadCheckpoint(resolve(ckptPath));
const cfg = ckpt.meta.config;
const report = await importDataset(resolveDataPath(data), { valFraction: cfg.valFraction, seed: cfg.seed });
const samples = report.samples.filter((s) => s.maskPath && s.split === split);
console.log(`backend ${backend.backend}; ${cfg.model} b${cfg.base} ${cfg.size}²; ${samples.length} ${split} images; load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
const runs: Record<'plain' | 'tta', { seconds: number[]; dice: number; diceAtPhotoSize: number }> = {
  plain: { seconds: [], dice: 0, diceAtPhotoSize: 0 },
  tta: { seconds: [], dice: 0, diceAtPhotoSize: 0 },
};
for (let r = 0; r < Number(repeats); r++) {
  for (const mode of ['plain', 'tta'] as const) {
    const t0 = performance.now();
    const res = await evaluateModel(ckpt.model, samples, { size: cfg.size, batchSize: 8, atPhotoSize: true, tta: mode === 'tta' });
    runs[mode].seconds.push((performance.now() - t0) / 1000);
    runs[mode].dice = res.dice;
    runs[mode].diceAtPhotoSize = res.diceAtPhotoSize!;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const mode of ['plain', 'tta'] as const) {
  const m = runs[mode];
  console.log(`${mode.padEnd(5)} dice ${m.dice.toFixed(4)} at ${cfg.size}², ${m.diceAtPhotoSize.toFixed(4)} at photo size; ${median(m.seconds).toFixed(1)} s (${m.seconds.map((s) => s.toFixed(1)).join(', ')})`);
}
console.log(`tta: ${(runs.tta.dice - runs.plain.dice >= 0 ? '+' : '')}${(runs.tta.dice - runs.plain.dice).toFixed(4)} Dice, ${(median(runs.tta.seconds) / median(runs.plain.seconds)).toFixed(2)}× the time`);
