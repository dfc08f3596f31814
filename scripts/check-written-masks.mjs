#!/usr/bin/env node
// The issue-11 acceptance check on any dataset and checkpoint, too slow for the test suite:
// `seg-studio eval` on a split, `seg-studio predict` on the same photos, and the written masks
// scored against the labels by tests/helpers/mask_check.py (PIL + numpy, no studio code).
//
//   node scripts/check-written-masks.mjs --data DIR --checkpoint RUN/best [--split test] [--keep]
//
// Prints one JSON object: eval's Dice at the model's input size and at the photos' own sizes, the
// Dice of the written files, the largest per-image gaps, the photo sizes covered, and whether
// every file was one grey band of 0/255 at its photo's size.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { data: { type: 'string' }, checkpoint: { type: 'string' }, split: { type: 'string', default: 'test' }, keep: { type: 'boolean', default: false } },
});
if (!args.data || !args.checkpoint) {
  console.error('usage: node scripts/check-written-masks.mjs --data DIR --checkpoint RUN/best [--split test] [--keep]');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const data = resolve(args.data);
const work = mkdtempSync(join(tmpdir(), 'check-written-masks-'));
const cli = (argv) => {
  const out = execFileSync(process.execPath, [join(root, 'bin', 'seg-studio.mjs'), ...argv, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
};

try {
  const ev = cli(['eval', '--data', data, '--checkpoint', resolve(args.checkpoint), '--split', args.split]);
  const oxford = readdirSync(data).includes('annotations');
  const photos = new Map(readdirSync(join(data, 'images')).map((n) => [n.replace(/\.[^.]+$/, ''), n]));
  const input = join(work, 'photos');
  mkdirSync(input);
  for (const { id } of ev.perImage) symlinkSync(join(data, 'images', photos.get(id)), join(input, photos.get(id)));
  const out = join(work, 'masks');
  const t0 = performance.now();
  cli(['predict', '--checkpoint', resolve(args.checkpoint), '--input', input, '--out', out]);
  const predictSeconds = (performance.now() - t0) / 1000;

  const items = ev.perImage.map(({ id }) => ({
    mask: join(out, `${id}.png`),
    maskEncoding: 'binary',
    truth: oxford ? join(data, 'annotations', 'trimaps', `${id}.png`) : join(data, 'masks', `${id}.png`),
    truthEncoding: oxford ? 'trimap' : 'binary',
    photo: join(data, 'images', photos.get(id)),
  }));
  writeFileSync(join(work, 'items.json'), JSON.stringify({ items }));
  const read = JSON.parse(execFileSync('/usr/bin/python3', [join(root, 'tests', 'helpers', 'mask_check.py'), 'dice', join(work, 'items.json')], { encoding: 'utf8', maxBuffer: 256 << 20 }));

  let maxGapPhoto = 0;
  let maxGapModel = { gap: 0 };
  const areas = [];
  let wellFormed = true;
  read.items.forEach((m, i) => {
    const e = ev.perImage[i];
    maxGapPhoto = Math.max(maxGapPhoto, Math.abs(m.dice - e.diceAtPhotoSize));
    const g = Math.abs(m.dice - e.dice);
    if (g > maxGapModel.gap) maxGapModel = { gap: g, id: e.id, size: m.size.join('×'), files: m.dice, eval: e.dice };
    areas.push({ id: e.id, w: m.size[0], h: m.size[1] });
    wellFormed &&= m.mode === 'L' && m.bands === 1 && m.size.join() === m.photoSize.join() && m.values.every((v) => v === 0 || v === 255);
  });
  areas.sort((a, b) => a.w * a.h - b.w * b.h);
  console.log(
    JSON.stringify(
      {
        images: read.items.length,
        sizes: { smallest: `${areas[0].w}×${areas[0].h}`, largest: `${areas.at(-1).w}×${areas.at(-1).h}`, portrait: areas.filter((a) => a.h > a.w).length },
        evalDice: ev.dice,
        evalDiceAtPhotoSize: ev.diceAtPhotoSize,
        filesDice: read.meanDice,
        meanGapToEval: Math.abs(read.meanDice - ev.dice),
        maxPerImageGapToEvalAtPhotoSize: maxGapPhoto,
        maxPerImageGapToEval: maxGapModel,
        allOneBand0or255AtPhotoSize: wellFormed,
        predictSeconds,
        backend: ev.backend,
      },
      null,
      2,
    ),
  );
} finally {
  if (args.keep) console.error(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
