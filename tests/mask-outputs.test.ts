// The mask files the studio writes, judged by code that shares nothing with it: a model trained
// here (UNet-8 at 64² on oxford-mini, a few seconds) predicts the oxford-sizes photos (odd sizes,
// portrait and landscape, 61×47 to 1123×701), and tests/helpers/mask_check.py (PIL + numpy) reads
// back what `seg-studio predict`, the app's mask export and "use prediction as label" wrote: one
// grey band, the photo's size, the promised values, and a Dice against the trimaps that must be
// what `seg-studio eval` reports. The exported TensorFlow.js model, loaded by plain tfjs in
// another process, must predict the same masks (torch resizes its probabilities for the check).
// Then the safety of mask exports: a dataset's own folders are refused, existing files are
// replaced only when asked and kept as versions, and a refused export leaves every byte in place.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, refused } from './helpers/dispatch';
import { train } from '../src/engine/train/train';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import { predictImages, predictPhotoBatches } from '../src/engine/infer/predict';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import { decodeImage } from '../src/engine/data/decode';
import { parseRunConfig } from '../src/shared/run-config';
import { recordCliRun } from '../src/services/cli-run-recorder';
import { writeMaskFile } from '../src/services/mask-export-target';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import { startServer, type RunningServer } from '../src/server/index';
import { compareWithTorchResize, readBackMasks } from './helpers/mask-check';
import type { DatasetImportResult, Envelope, ExportMasksResult, MaskImage, PredictionResult, SaveMaskResult } from '../src/shared/contract';

const execFileP = promisify(execFile);
const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const MINI = join(root, 'tests', 'fixtures', 'oxford-mini');
const SIZES = join(root, 'tests', 'fixtures', 'oxford-sizes');

const work = mkdtempSync(join(tmpdir(), 'mask-outputs-'));
const dbPath = join(work, 'data', 'studio.db');
const dataset = join(work, 'datasets', 'oxford-sizes'); // a copy: labels get replaced here
const runDir = join(work, 'data', 'runs', 'trained-here');
const predictOut = join(work, 'predict-out');
const stems = readdirSync(join(SIZES, 'images')).map((n) => n.replace(/\.jpg$/, '')).sort();

const readBack = readBackMasks;

/** The committed ground truth of a stem (never written by these tests). */
const truthOf = (stem: string) => join(SIZES, 'annotations', 'trimaps', `${stem}.png`);
const photoOf = (stem: string) => join(SIZES, 'images', `${stem}.jpg`);

async function cli(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  try {
    const res = await execFileP(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, SEG_STUDIO_DB: dbPath }, maxBuffer: 64 << 20 });
    const lines = res.stdout.trim().split('\n');
    return { code: 0, json: JSON.parse(lines[lines.length - 1]!), stderr: res.stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? 1, json: {}, stderr: e.stderr ?? '' };
  }
}


/** Every file under a folder with its bytes, to show a refused export changed nothing. */
function bytesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}
function expectSameBytes(before: Map<string, Buffer>, dir: string): void {
  const after = bytesOf(dir);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [k, v] of before) expect(after.get(k)!.equals(v), k).toBe(true);
}

let services: StudioServices;
let runId: number;
let datasetId: number;
/** `seg-studio eval --json` on the fixture's test split (every photo). */
let evalJson: { dice: number; diceAtPhotoSize: number; perImage: Array<{ id: string; dice: number; diceAtPhotoSize: number }> };
const evalOf = (stem: string) => evalJson.perImage.find((p) => p.id === stem)!;

beforeAll(async () => {
  cpSync(SIZES, dataset, { recursive: true });
  mkdirSync(join(work, 'static'), { recursive: true });
  writeFileSync(join(work, 'static', 'index.html'), '<!doctype html><title>studio</title>');
  // No augmentation and 30 short epochs: a real (if small) model in a few seconds.
  const config = parseRunConfig({
    data: MINI, model: 'unet', base: 8, size: 64, batchSize: 4, learningRate: 3e-3, epochs: 30, seed: 1, augment: { enabled: false },
  });
  const recorder = recordCliRun({ dbPath, config, outDir: runDir, name: 'mask-outputs test' });
  runId = recorder.runId;
  recorder.finish(await train({ config, outDir: runDir, onEvent: (e) => recorder.onEvent(e) }));
  services = createStudioServices({ dbPath, recover: false });
  datasetId = (await ok<DatasetImportResult>(services, 'datasets', 'open', { path: dataset })).dataset.id;
  const e = await cli(['eval', '--data', dataset, '--checkpoint', join(runDir, 'best'), '--split', 'test', '--no-tta', '--json']);
  expect(e.code, e.stderr).toBe(0);
  evalJson = e.json as typeof evalJson;
  expect(evalJson.perImage.map((p) => p.id).sort()).toEqual(stems);
}, 300_000); // seconds on a quiet machine; generous for a loaded one

afterAll(() => {
  services?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('written masks against an independent reader', () => {
  it('seg-studio predict: one grey band at the photo size, with the Dice eval reports', async () => {
    const p = await cli(['predict', '--checkpoint', join(runDir, 'best'), '--input', join(dataset, 'images'), '--out', predictOut, '--no-tta', '--json']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.json.written).toBe(stems.length);
    const read = readBack(stems.map((s) => ({ mask: join(predictOut, `${s}.png`), truth: truthOf(s), photo: photoOf(s) })));
    const gaps: string[] = [];
    for (const [i, m] of read.items.entries()) {
      const stem = stems[i]!;
      expect([m.mode, m.bands], stem).toEqual(['L', 1]);
      expect(m.size, stem).toEqual(m.photoSize);
      expect(m.values.every((v) => v === 0 || v === 255), `${stem}: ${m.values}`).toBe(true);
      // Exactly eval's Dice at the photo's size, and within 0.01 of its Dice at the model's size.
      expect(Math.abs(m.dice - evalOf(stem).diceAtPhotoSize), stem).toBeLessThan(1e-9);
      expect(Math.abs(m.dice - evalOf(stem).dice), stem).toBeLessThan(0.01);
      gaps.push(`${stem} ${m.size.join('×')}: files ${m.dice.toFixed(4)} eval@64 ${evalOf(stem).dice.toFixed(4)}`);
    }
    console.log(`predict vs eval (mean ${read.meanDice.toFixed(4)} vs ${evalJson.dice.toFixed(4)} at 64², ${evalJson.diceAtPhotoSize.toFixed(4)} at photo size)\n  ${gaps.join('\n  ')}`);
    expect(Math.abs(read.meanDice - evalJson.diceAtPhotoSize)).toBeLessThan(1e-9);
    expect(Math.abs(read.meanDice - evalJson.dice)).toBeLessThan(0.01);
    // A model that learned something: far above an empty or all-foreground mask on these photos.
    expect(read.meanDice).toBeGreaterThan(0.5);
  }, 60_000);

  it("the app's mask export (0/1): one grey band of 0 and 1, the photo's size, the Dice predictions and eval report", async () => {
    const pred = await ok<PredictionResult>(services, 'predictions', 'run', { runId, datasetId, split: 'test', tta: false });
    const folder = join(work, 'data', 'exports', 'masks-01');
    const res = await ok<ExportMasksResult>(services, 'exports', 'masks', { runId, datasetId, split: 'test', folder, format: '0-1' });
    expect([res.files, res.replaced]).toEqual([stems.length, 0]);
    const read = readBack(stems.map((s) => ({ mask: join(folder, `${s}.png`), truth: truthOf(s), photo: photoOf(s) })));
    for (const [i, m] of read.items.entries()) {
      const stem = stems[i]!;
      expect([m.mode, m.bands], stem).toEqual(['L', 1]);
      expect(m.size, stem).toEqual(m.photoSize);
      expect(m.values.every((v) => v === 0 || v === 1), `${stem}: ${m.values}`).toBe(true);
      expect(Math.abs(m.dice - pred.items.find((x) => x.sampleId === stem)!.dice), stem).toBeLessThan(1e-9);
      expect(Math.abs(m.dice - evalOf(stem).diceAtPhotoSize), stem).toBeLessThan(1e-9);
      expect(Math.abs(m.dice - evalOf(stem).dice), stem).toBeLessThan(0.01);
    }
    expect(Math.abs(read.meanDice - pred.meanDice)).toBeLessThan(1e-9);
  }, 60_000);

  it('use prediction as label: the saved trimap is one grey band of 1/2 whose Dice with the old label is the prediction’s; the old label is kept', async () => {
    // The largest, the smallest and a portrait photo.
    for (const stem of ['Abyssinian_80', 'Abyssinian_33', 'american_bulldog_126']) {
      const m = await ok<MaskImage>(services, 'predictions', 'mask', { runId, datasetId, sampleId: stem });
      const saved = await ok<SaveMaskResult>(services, 'datasets', 'saveMask', { datasetId, sampleId: stem, png: m.png });
      expect(saved.maskPath).toBe(join(dataset, 'annotations', 'trimaps', `${stem}.png`));
      expect(readFileSync(saved.previousVersion!).equals(readFileSync(truthOf(stem)))).toBe(true);
      const [read] = readBack([{ mask: saved.maskPath, maskEncoding: 'trimap', truth: truthOf(stem), photo: photoOf(stem) }]).items;
      expect([read!.mode, read!.bands], stem).toEqual(['L', 1]);
      expect(read!.size, stem).toEqual(read!.photoSize);
      expect(read!.values.every((v) => v === 1 || v === 2), `${stem}: ${read!.values}`).toBe(true);
      expect(Math.abs(read!.dice - evalOf(stem).diceAtPhotoSize), stem).toBeLessThan(1e-9);
    }
  }, 60_000);

  it('the exported TensorFlow.js model, loaded by plain tfjs, predicts the studio’s probabilities and masks', async () => {
    const folder = join(work, 'data', 'exports', 'model');
    await ok(services, 'exports', 'model', { runId, folder, which: 'best' });
    const size = 64;
    const px = size * size;
    const x = new Float32Array(stems.length * px * 3);
    for (const [i, s] of stems.entries()) modelInputFromImage(await decodeImage(join(dataset, 'images', `${s}.jpg`)), size, x, i * px * 3);
    writeFileSync(join(work, 'input.f32'), x);
    execFileSync(process.execPath, [join(root, 'tests', 'helpers', 'tfjs-predict.mjs'), folder, join(work, 'input.f32'), String(stems.length), String(size), join(work, 'output.f32')], { cwd: root });
    const raw = readFileSync(join(work, 'output.f32'));
    const exported = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(exported.length).toBe(stems.length * px);

    // The studio's own path: its checkpoint loader, its backend, its batching.
    const ckpt = await loadCheckpoint(join(runDir, 'best'));
    const studio = new Float32Array(stems.length * px);
    try {
      const paths = stems.map((s) => join(dataset, 'images', `${s}.jpg`));
      for await (const b of predictPhotoBatches(ckpt.model, size, paths, { batchSize: 4 })) {
        for (const p of b.predicted) studio.set(p.probabilities, paths.indexOf(p.path) * px);
      }
    } finally {
      ckpt.model.dispose();
    }
    let maxDiff = 0;
    let flips = 0;
    for (let i = 0; i < studio.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(studio[i]! - exported[i]!));
      if (studio[i]! > 0.5 !== exported[i]! > 0.5) flips++;
    }
    console.log(`exported model vs studio: max |Δp| ${maxDiff.toExponential(2)}, ${flips} thresholded pixels differ at 64²`);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(flips).toBe(0);

    // At the photos' sizes: torch's bilinear resize of the exported model's probabilities,
    // thresholded, against the masks `seg-studio predict` wrote.
    const items = stems.map((s, i) => {
      const file = join(work, `${s}.probs.f32`);
      writeFileSync(file, exported.subarray(i * px, (i + 1) * px));
      return { probs: file, size, mask: join(predictOut, `${s}.png`) };
    });
    const up = compareWithTorchResize(items);
    for (const u of up.items) {
      // A pixel may only differ where the probability is within float rounding of the threshold.
      if (u.mismatches > 0) expect(u.maxMargin, u.mask).toBeLessThan(1e-4);
    }
    console.log(`predict masks vs torch-resized exported probabilities: ${up.items.map((u) => `${u.width}×${u.height} ${u.mismatches}`).join(', ')} pixels differ`);
  }, 60_000);
});

describe('mask export safety', () => {
  const trimaps = () => join(dataset, 'annotations', 'trimaps');

  it("refuses an opened dataset's trimap and photo folders, inside them, containing them, or through a symlink", async () => {
    const before = bytesOf(dataset);
    const link = join(work, 'data', 'exports', 'link-to-trimaps');
    mkdirSync(join(work, 'data', 'exports'), { recursive: true });
    symlinkSync(trimaps(), link);
    for (const folder of [trimaps(), join(trimaps(), 'sub'), join(dataset, 'annotations'), dataset, join(dataset, 'images'), link, join(link, 'deeper')]) {
      const err = await refused(services, 'exports', 'masks', { runId, datasetId, split: 'test', folder, format: '0-1', overwrite: true });
      expect(err.code, folder).toBe('PATH_REFUSED');
      expect(err.message, folder).toMatch(/(trimap|photo) folder of the dataset/);
    }
    expectSameBytes(before, dataset);
    expect(existsSync(join(trimaps(), 'sub'))).toBe(false);
  });

  it('refuses to replace existing files unless asked; when asked, keeps each old file in .versions/', async () => {
    const folder = join(work, 'data', 'exports', 'again');
    await ok(services, 'exports', 'masks', { runId, datasetId, split: 'test', folder, format: '0-255' });
    // A file of the user's that happens to share a name is one of the files at stake.
    writeFileSync(join(folder, `${stems[0]}.png`), 'the user’s own file');
    const before = bytesOf(folder);
    const err = await refused(services, 'exports', 'masks', { runId, datasetId, split: 'test', folder, format: '0-1' });
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain(`${stems.length} of the ${stems.length} mask files already exist`);
    expectSameBytes(before, folder);

    const res = await ok<ExportMasksResult>(services, 'exports', 'masks', { runId, datasetId, split: 'test', folder, format: '0-1', overwrite: true });
    expect(res.replaced).toBe(stems.length);
    for (const s of stems) {
      expect(readFileSync(join(folder, '.versions', `${s}.v1.png`)).equals(before.get(`${s}.png`)!), s).toBe(true);
    }
    const read = readBack(stems.map((s) => ({ mask: join(folder, `${s}.png`), truth: truthOf(s), photo: photoOf(s) })));
    expect(read.items.every((m) => m.bands === 1 && m.values.every((v) => v <= 1))).toBe(true);
  });

  it('over HTTP: 403 for a trimap folder, 409 for existing files; the trimaps are untouched', async () => {
    const server: RunningServer = await startServer({ port: 0, dbPath, staticDir: join(work, 'static'), importRoots: [join(work, 'datasets')] });
    try {
      const call = async (args: unknown) => {
        const res = await fetch(`${server.url}/api/exports/masks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
          body: JSON.stringify(args),
        });
        return { status: res.status, env: (await res.json()) as Envelope<ExportMasksResult> };
      };
      const before = bytesOf(trimaps());
      const r1 = await call({ runId, datasetId, split: 'test', folder: trimaps(), format: '0-1', overwrite: true });
      expect(r1.status).toBe(403);
      expectSameBytes(before, trimaps());
      const r2 = await call({ runId, datasetId, split: 'test', folder: join(work, 'data', 'exports', 'again'), format: '0-1' });
      expect(r2.status).toBe(409);
    } finally {
      await server.close();
    }
  });

  it('seg-studio predict refuses a trimap folder and existing files before loading anything', async () => {
    const before = bytesOf(trimaps());
    const into = await cli(['predict', '--checkpoint', join(runDir, 'best'), '--input', join(dataset, 'images'), '--out', trimaps(), '--overwrite', '--json']);
    expect(into.code).not.toBe(0);
    expect(into.stderr).toMatch(/trimap folder of the dataset/);
    expect(into.stderr).not.toMatch(/backend:/);
    expectSameBytes(before, trimaps());

    const beforeOut = bytesOf(predictOut);
    const again = await cli(['predict', '--checkpoint', join(runDir, 'best'), '--input', join(dataset, 'images'), '--out', predictOut, '--json']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exist.*pass --overwrite/s);
    expectSameBytes(beforeOut, predictOut);
  });

  it('predict with overwrite keeps the replaced masks as versions; without, nothing is replaced', async () => {
    const out = join(work, 'engine-out');
    const photos = stems.slice(0, 3).map((s) => join(dataset, 'images', `${s}.jpg`));
    mkdirSync(out, { recursive: true });
    for (const s of stems.slice(0, 3)) writeFileSync(join(out, `${s}.png`), `older ${s}`);
    const ckpt = await loadCheckpoint(join(runDir, 'best'));
    try {
      const opts = { model: ckpt.model, size: 64, images: photos, outDir: out };
      await expect(predictImages(opts)).rejects.toThrow(/3 output file\(s\) already exist/);
      for (const s of stems.slice(0, 3)) expect(readFileSync(join(out, `${s}.png`), 'utf8')).toBe(`older ${s}`);
      const res = await predictImages({ ...opts, binary01: true, writeFile: (p, b) => void writeMaskFile(p, b, true) });
      expect(res.written).toHaveLength(3);
    } finally {
      ckpt.model.dispose();
    }
    for (const s of stems.slice(0, 3)) expect(readFileSync(join(out, '.versions', `${s}.v1.png`), 'utf8')).toBe(`older ${s}`);
    const read = readBack(stems.slice(0, 3).map((s) => ({ mask: join(out, `${s}.png`), truth: truthOf(s), photo: photoOf(s) })));
    for (const [i, m] of read.items.entries()) {
      expect([m.mode, m.bands]).toEqual(['L', 1]);
      expect(Math.abs(m.dice - evalOf(stems[i]!).diceAtPhotoSize)).toBeLessThan(1e-9);
    }
  });
});
