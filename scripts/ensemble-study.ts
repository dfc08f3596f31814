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
import { predictPhotoBatches } from '../src/engine/infer/predict';
import { resizeProbabilities, maskDice } from '../src/engine/infer/probability-mask';
import { decodeMask } from '../src/engine/data/decode';
import { autoTtaSizes } from '../src/shared/tta-sizes';
import type { Sample } from '../src/engine/types';

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
    const byPhoto = new Map<string, Float32Array>();
    for await (const b of predictPhotoBatches(c.model, size, test.map((s) => s.imagePath), { batchSize: 8, tta: true, ttaSizes })) {
      for (const p of b.predicted) byPhoto.set(p.path, resizeProbabilities(p.probabilities, size, size, p.photo.width, p.photo.height));
    }
    c.model.dispose();
    probabilities.push(byPhoto);
  }
  const truths = await Promise.all(test.map(async (s) => (await decodeMask(s.maskPath!, s.maskEncoding)).data));
  const meanDice = (members: number[]): number => {
    let sum = 0;
    test.forEach((s, t) => {
      const truth = truths[t]!;
      const maps = members.map((k) => probabilities[k]!.get(s.imagePath)!);
      const mask = new Uint8Array(truth.length);
      for (let i = 0; i < mask.length; i++) {
        let v = 0;
        for (const m of maps) v += m[i]!;
        mask[i] = v / maps.length > 0.5 ? 1 : 0;
      }
      sum += maskDice(mask, truth);
    });
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
