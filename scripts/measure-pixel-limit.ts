#!/usr/bin/env -S npx tsx
// Measures what the pixel limit (src/engine/data/pixel-limit.ts) buys: how fast and how cheaply
// an image over it is refused, and what the largest accepted image costs to decode. Each case runs
// in a fresh process so its peak resident memory (getrusage maxRSS) is its own; "rss before" is
// after the modules are loaded, just before the case.
// Usage: npx tsx scripts/measure-pixel-limit.ts        (prints a table; ~1 minute on 2 cores)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeImage, decodeMask } from '../src/engine/data/decode';
import { importDataset } from '../src/engine/data/import-dataset';
import { MAX_IMAGE_PIXELS, readCheckedHeader } from '../src/engine/data/pixel-limit';
import { decodeMaskPng } from '../src/services/mask-png';
import { writeHugePng } from '../tests/helpers/huge-png';

type Case = { name: string; file: string; run: (file: string) => Promise<string> };

const refused = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ACCEPTED';
  } catch (err) {
    return `refused: ${(err as Error).message.replace(/^.*?: image is/, 'image is')}`;
  }
};

const CASES: Case[] = [
  { name: 'header check, 20000² RGB', file: 'rgb-20000.png', run: (f) => refused(readCheckedHeader(f)) },
  { name: 'training/predict decode, 20000² RGB', file: 'rgb-20000.png', run: (f) => refused(decodeImage(f)) },
  { name: 'training decode, 15000² RGB', file: 'rgb-15000.png', run: (f) => refused(decodeImage(f)) },
  { name: 'mask save (uploaded bytes), 20000² grey', file: 'grey-20000.png', run: (f) => refused(decodeMaskPng(readFileSync(f), 'upload')) },
  {
    name: 'import of a folder holding a 20000² photo',
    file: 'set',
    run: async (f) => {
      const r = await importDataset(f);
      return `skipped: ${r.skipped.map((s) => s.reason).join('; ')}`;
    },
  },
  {
    name: 'largest accepted: decode 10000² RGB photo',
    file: 'rgb-10000.png',
    run: async (f) => {
      const img = await decodeImage(f);
      return `accepted ${img.width}×${img.height}, ${(img.data.length / 1e6).toFixed(0)} MB of RGB`;
    },
  },
  {
    name: 'largest accepted: decode 10000² mask',
    file: 'grey-10000.png',
    run: async (f) => {
      const m = await decodeMask(f, 'binary');
      return `accepted ${m.width}×${m.height}`;
    },
  },
  {
    name: 'for comparison, no limit: sharp decode of 15000² RGB',
    file: 'rgb-15000.png',
    run: async (f) => {
      const { info } = await sharp(f, { limitInputPixels: false }).raw().toBuffer({ resolveWithObject: true });
      return `decoded ${info.width}×${info.height}×${info.channels}`;
    },
  },
];

async function child(index: number, dir: string): Promise<void> {
  const c = CASES[index]!;
  const file = join(dir, c.file);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const outcome = await c.run(file);
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ outcome, ms, rss0, peak }) + '\n');
}

function makeFiles(dir: string): void {
  writeHugePng(join(dir, 'rgb-20000.png'), { width: 20000, height: 20000, channels: 3, value: [200, 30, 30] });
  writeHugePng(join(dir, 'rgb-15000.png'), { width: 15000, height: 15000, channels: 3, value: [200, 30, 30] });
  writeHugePng(join(dir, 'grey-20000.png'), { width: 20000, height: 20000, channels: 1, value: [255] });
  writeHugePng(join(dir, 'rgb-10000.png'), { width: 10000, height: 10000, channels: 3, value: [30, 200, 30] });
  writeHugePng(join(dir, 'grey-10000.png'), { width: 10000, height: 10000, channels: 1, value: [255] });
  mkdirSync(join(dir, 'set', 'images'), { recursive: true });
  mkdirSync(join(dir, 'set', 'masks'), { recursive: true });
  writeHugePng(join(dir, 'set', 'images', 'huge.png'), { width: 20000, height: 20000, channels: 3, value: [200, 30, 30] });
}

async function main(): Promise<void> {
  const [, , mode, index, dir] = process.argv;
  if (mode === '--case') return child(Number(index), dir!);
  const work = mkdtempSync(join(tmpdir(), 'seg-pixel-limit-'));
  try {
    makeFiles(work);
    const self = fileURLToPath(import.meta.url);
    const tsx = resolve(self, '../../node_modules/.bin/tsx');
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
    console.log(`pixel limit: ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
    for (const f of ['rgb-20000.png', 'grey-20000.png', 'rgb-15000.png', 'rgb-10000.png']) console.log(`  ${f}: ${(statSync(join(work, f)).size / 1024).toFixed(0)} KB on disk`);
    for (let i = 0; i < CASES.length; i++) {
      const line = execFileSync(tsx, [self, '--case', String(i), work], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!;
      const r = JSON.parse(line) as { outcome: string; ms: number; rss0: number; peak: number };
      console.log(`- ${CASES[i]!.name}: ${r.outcome}\n    ${r.ms.toFixed(0)} ms; rss before ${mb(r.rss0)}, peak ${mb(r.peak)} (+${mb(r.peak - r.rss0)})`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
