#!/usr/bin/env -S npx tsx
// Is a sweep's ensemble worth more than one longer run? (docs/quality.md) For each checkpoint,
// the test photos' probabilities (mirror average; with "ms" also the multi-scale "auto" sizes)
// resized to each photo's own size; then the mean Dice at the photos' sizes of each checkpoint
// alone and of the mean of all their probabilities (> 0.5). One JSON line.
//
// usage: npx tsx scripts/ensemble-study.ts DATASET tta|ms CHECKPOINT [CHECKPOINT ...]
import { selectBackend } from '../src/engine/backend/select-backend';
import { importDataset } from '../src/engine/data/import-dataset';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import { decodeMask } from '../src/engine/data/decode';
import { autoTtaSizes } from '../src/shared/tta-sizes';
import type { Sample } from '../src/engine/types';
import { meanMapDice, photoSizeProbabilities } from './probability-maps';

async function main(): Promise<void> {
  const [data, mode, ...checkpoints] = process.argv.slice(2);
  if (!data || (mode !== 'tta' && mode !== 'ms') || checkpoints.length === 0) throw new Error('usage: ensemble-study.ts DATASET tta|ms CHECKPOINT [CHECKPOINT ...]');
  await selectBackend('auto');
  const probabilities: Array<Map<string, Float32Array>> = [];
  let test: Sample[] = [];
  for (const ck of checkpoints) {
    const c = await loadCheckpoint(ck);
    const { size, model, valFraction, seed } = c.meta.config;
    // Each run's own split: the test split is the same for every seed, the validation split is not.
    test = (await importDataset(data, { valFraction, seed })).samples.filter((s) => s.split === 'test' && s.maskPath);
    const ttaSizes = mode === 'ms' ? autoTtaSizes(size, model) : undefined;
    probabilities.push(await photoSizeProbabilities(c.model, size, test.map((s) => s.imagePath), ttaSizes));
    c.model.dispose();
  }
  const truths = await Promise.all(test.map(async (s) => (await decodeMask(s.maskPath!, s.maskEncoding)).data));
  const meanDice = (members: number[]): number => {
    let sum = 0;
    test.forEach((s, t) => (sum += meanMapDice(members.map((k) => probabilities[k]!.get(s.imagePath)!), truths[t]!)));
    return sum / test.length;
  };
  const alone = checkpoints.map((_, k) => meanDice([k]));
  const ensemble = meanDice(checkpoints.map((_, k) => k));
  console.log(JSON.stringify({ mode, images: test.length, checkpoints, alone, ensemble }));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
