#!/usr/bin/env node
// Summarises `seg-studio simulate-labeling --json` outputs (one file per strategy and seed) as
// the markdown tables of docs/active-learning.md: test Dice per label count for every run, the
// mean per strategy, and the normalised area under each curve (mean Dice over the label range).
//   node scripts/summarize-simulations.mjs FILE.json...
import { readFileSync } from 'node:fs';

const runs = process.argv.slice(2).flatMap((f) => {
  const text = readFileSync(f, 'utf8').trim();
  if (!text) return [];
  const last = text.split('\n').pop();
  return [{ file: f, ...JSON.parse(last) }];
});
if (runs.length === 0) throw new Error('no finished simulation among the files given');
const labels = [...new Set(runs.flatMap((r) => r.curve.map((c) => c.labels)))].sort((a, b) => a - b);
const f4 = (v) => (v === undefined ? '—' : v.toFixed(3));
const lines = [];
lines.push(`| strategy | seed | ${labels.map((l) => `${l} labels`).join(' | ')} | area | s/round (train + scoring) | epochs/round |`);
lines.push(`|---|---|${labels.map(() => '---|').join('')}---|---|---|`);
for (const r of [...runs].sort((a, b) => a.strategy.localeCompare(b.strategy) || a.seed - b.seed)) {
  const by = new Map(r.curve.map((c) => [c.labels, c.testDice]));
  const secs = r.rounds.map((x) => x.trainSeconds + x.scoreSeconds);
  lines.push(
    `| ${r.strategy} | ${r.seed} | ${labels.map((l) => f4(by.get(l))).join(' | ')} | ${f4(r.normalizedArea)} | ${(secs.reduce((a, b) => a + b, 0) / secs.length).toFixed(0)} | ${r.rounds.map((x) => x.epochs).join(', ')} |`,
  );
}
for (const strategy of [...new Set(runs.map((r) => r.strategy))].sort()) {
  const own = runs.filter((r) => r.strategy === strategy);
  const mean = labels.map((l) => {
    const v = own.map((r) => r.curve.find((c) => c.labels === l)?.testDice).filter((x) => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  });
  const area = own.reduce((a, r) => a + r.normalizedArea, 0) / own.length;
  lines.push(`| **${strategy} (mean of ${own.length})** | | ${mean.map(f4).join(' | ')} | **${f4(area)}** | | |`);
}
process.stdout.write(lines.join('\n') + '\n');
