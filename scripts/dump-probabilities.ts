#!/usr/bin/env -S npx tsx
// Writes one checkpoint's probabilities for a split's photos, at each photo's own size, as raw
// little-endian float32 files OUT/NAME.f32 (height·width values, row-major): the mirror average
// at the multi-scale "auto" sizes, exactly what `eval --tta-sizes auto` thresholds. For studies
// of what happens after the model (scripts/guided-filter-study.py), read with code of their own.
//
// usage: npx tsx scripts/dump-probabilities.ts DATASET CHECKPOINT OUT [SPLIT]
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { selectBackend } from '../src/engine/backend/select-backend';
import { importDataset } from '../src/engine/data/import-dataset';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import { autoTtaSizes } from '../src/shared/tta-sizes';
import { photoSizeProbabilities } from './probability-maps';

async function main(): Promise<void> {
  const [data, checkpoint, out, split = 'test'] = process.argv.slice(2);
  if (!data || !checkpoint || !out) throw new Error('usage: dump-probabilities.ts DATASET CHECKPOINT OUT [SPLIT]');
  await selectBackend('auto');
  const c = await loadCheckpoint(checkpoint);
  const { size, model, valFraction, seed } = c.meta.config;
  const photos = (await importDataset(data, { valFraction, seed })).samples.filter((s) => s.split === split).map((s) => s.imagePath);
  mkdirSync(out, { recursive: true });
  const byPhoto = await photoSizeProbabilities(c.model, size, photos, autoTtaSizes(size, model));
  c.model.dispose();
  for (const [path, atPhoto] of byPhoto) {
    writeFileSync(join(out, `${basename(path, extname(path))}.f32`), Buffer.from(atPhoto.buffer, atPhoto.byteOffset, atPhoto.byteLength));
  }
  console.log(`${photos.length} probability maps in ${out}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
