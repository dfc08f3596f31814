#!/usr/bin/env -S npx tsx
// How multi-scale test-time augmentation's "auto" sizes were chosen (docs/quality.md): for one
// checkpoint, the test photos' probabilities (each with the mirror average) at every size given,
// each resized to the photo's own size, then the mean Dice at the photos' sizes of every
// combination of those sizes (the mean of their probabilities, > 0.5). One JSON line.
//
// usage: npx tsx scripts/tta-sizes-study.ts CHECKPOINT DATASET SIZE [SIZE ...]
//   e.g. npx tsx scripts/tta-sizes-study.ts study/runs/q16-128/best ../shared/data/oxford-pet-mini 112 128 160 192
import { selectBackend } from '../src/engine/backend/select-backend';
import { importDataset } from '../src/engine/data/import-dataset';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import { decodeMask } from '../src/engine/data/decode';
import { meanMapDice, photoSizeProbabilities } from './probability-maps';

async function main(): Promise<void> {
  const [ck, data, ...sizeArgs] = process.argv.slice(2);
  const sizes = sizeArgs.map(Number);
  if (!ck || !data || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s))) throw new Error('usage: tta-sizes-study.ts CHECKPOINT DATASET SIZE [SIZE ...]');
  await selectBackend('auto');
  const c = await loadCheckpoint(ck);
  const report = await importDataset(data, { valFraction: c.meta.config.valFraction, seed: c.meta.config.seed });
  const test = report.samples.filter((s) => s.split === 'test' && s.maskPath);
  // One map per size for each photo, in the order of `sizes`.
  const bySize: Array<Map<string, Float32Array>> = [];
  for (const size of sizes) bySize.push(await photoSizeProbabilities(c.model, size, test.map((s) => s.imagePath)));
  const truths = await Promise.all(test.map(async (s) => (await decodeMask(s.maskPath!, s.maskEncoding)).data));
  const diceBySizes: Record<string, number> = {};
  for (let bits = 1; bits < 1 << sizes.length; bits++) {
    const combo = sizes.map((_, i) => i).filter((i) => bits & (1 << i));
    let sum = 0;
    test.forEach((s, t) => (sum += meanMapDice(combo.map((k) => bySize[k]!.get(s.imagePath)!), truths[t]!)));
    diceBySizes[combo.map((k) => sizes[k]).join('+')] = sum / test.length;
  }
  c.model.dispose();
  console.log(JSON.stringify({ checkpoint: ck, images: test.length, diceBySizes }));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
