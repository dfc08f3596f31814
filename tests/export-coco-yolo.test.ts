// COCO and YOLO-seg mask exports, read back by code that shares nothing with the studio:
// tests/helpers/coco_yolo_check.py decodes the RLE `counts` strings with its own implementation
// of pycocotools' rules (Debian bookworm has no python3-pycocotools) and draws the YOLO polygons
// with PIL's ImageDraw.polygon, then scores them against the source masks read with PIL.
// Sources: a synthetic dataset the helper writes (holes, foreground inside a hole, several
// pieces, diagonal-only touches, specks, an empty and a full mask, odd sizes), the oxford-mini
// trimaps, and masks predicted by a small model trained here. RLE must give IoU 1.000 (holes
// included); polygons have no holes, so they are judged against the source with holes filled.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, refused } from './helpers/dispatch';
import { exportMasksCommand } from '../src/cli/commands/export-masks';
import { predictCommand } from '../src/cli/commands/predict';
import { train } from '../src/engine/train/train';
import { parseRunConfig } from '../src/shared/run-config';
import { recordCliRun } from '../src/services/cli-run-recorder';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import type { DatasetImportResult, ExportLabelsResult, ExportMasksResult } from '../src/shared/contract';

const root = resolve(__dirname, '..');
const CHECK = join(root, 'tests', 'helpers', 'coco_yolo_check.py');
const MINI = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'export-coco-yolo-'));
const synth = join(work, 'synth');
const mini = join(work, 'oxford-mini'); // a copy: the app opens it
const dbPath = join(work, 'data', 'studio.db');
const miniStems = readdirSync(join(MINI, 'images')).map((n) => n.replace(/\.jpg$/, '')).sort();
let synthStems: string[] = [];

interface Source {
  mask: string;
  encoding: 'trimap' | 'binary';
}
interface CocoCheck {
  images: Array<{ file_name: string; iou: number; identical: boolean; annotations: number; truth_pixels: number }>;
  categories: Array<{ id: number; name: string; supercategory: string }>;
  problems: string[];
  missing: string[];
  min_iou: number;
}
interface YoloFile {
  file: string;
  polygons: number;
  vertices: number;
  truth_pixels: number;
  iou: number;
  iou_centres: number;
  iou_centres_filled: number;
  extra_centres_filled: number;
  missing_centres_filled: number;
}

function python<T>(args: string[]): T {
  const out = execFileSync('/usr/bin/python3', [CHECK, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}
function sourcesFile(name: string, sources: Record<string, Source>): string {
  const p = join(work, `${name}.sources.json`);
  writeFileSync(p, JSON.stringify(sources));
  return p;
}
const synthSource = (stem: string): Source => ({ mask: join(synth, 'masks', `${stem}.png`), encoding: 'binary' });
const miniSource = (stem: string): Source => ({ mask: join(MINI, 'annotations', 'trimaps', `${stem}.png`), encoding: 'trimap' });

function checkCoco(annotations: string, sources: Record<string, Source>): CocoCheck {
  return python<CocoCheck>(['coco', annotations, sourcesFile('coco', sources)]);
}
function checkYolo(folder: string, stems: string[], source: (s: string) => Source): YoloFile[] {
  const res = python<{ files: YoloFile[]; problems: string[] }>(['yolo', sourcesFile('yolo', Object.fromEntries(stems.map((s) => [join(folder, `${s}.txt`), source(s)])))]);
  expect(res.problems).toEqual([]);
  return res.files;
}

/** Runs a CLI command in this process; returns its --json object (stdout's last line). */
async function cli(command: typeof exportMasksCommand, args: string[]): Promise<Record<string, unknown>> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  }) as typeof process.stdout.write;
  try {
    expect(await command.run([...args, '--json'])).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  const lines = chunks.join('').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}


const stats = (xs: number[]) => ({ min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length });

beforeAll(() => {
  synthStems = python<{ stems: string[] }>(['synth', synth]).stems;
  cpSync(MINI, mini, { recursive: true });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('COCO RLE', () => {
  it('labels decode to the source masks exactly: synthetic holes, pieces and specks, and the oxford-mini trimaps', async () => {
    const outSynth = join(work, 'coco-synth');
    const s = await cli(exportMasksCommand, ['--data', synth, '--format', 'coco', '--out', outSynth]);
    expect([s.files, s.images]).toEqual([1, synthStems.length]);
    const synthCheck = checkCoco(join(outSynth, 'annotations.json'), Object.fromEntries(synthStems.map((st) => [`${st}.png`, synthSource(st)])));
    expect(synthCheck.problems).toEqual([]);
    expect(synthCheck.missing).toEqual([]);
    expect(synthCheck.categories).toEqual([{ id: 1, name: 'foreground', supercategory: 'foreground' }]);
    for (const im of synthCheck.images) {
      expect([im.file_name, im.identical, im.iou]).toEqual([im.file_name, true, 1]);
      // One annotation per photo with foreground; none for the empty mask.
      expect(im.annotations, im.file_name).toBe(im.truth_pixels > 0 ? 1 : 0);
    }
    expect(synthCheck.images.find((i) => i.file_name === 'empty.png')!.annotations).toBe(0);
    expect(s.objects).toBe(synthStems.length - 1);

    const outMini = join(work, 'coco-mini');
    await cli(exportMasksCommand, ['--data', MINI, '--format', 'coco', '--out', outMini]);
    const miniCheck = checkCoco(join(outMini, 'annotations.json'), Object.fromEntries(miniStems.map((st) => [`${st}.jpg`, miniSource(st)])));
    expect(miniCheck.problems).toEqual([]);
    expect(miniCheck.missing).toEqual([]);
    expect(miniCheck.categories).toEqual([{ id: 1, name: 'pet', supercategory: 'animal' }]);
    expect(miniCheck.images.map((i) => [i.file_name, i.identical, i.iou, i.annotations]).sort()).toEqual(miniStems.map((st) => [`${st}.jpg`, true, 1, 1]).sort());
    console.log(`COCO RLE: IoU min ${synthCheck.min_iou.toFixed(3)} (synthetic, ${synthStems.length} masks), ${miniCheck.min_iou.toFixed(3)} (oxford-mini, ${miniStems.length} trimaps)`);
  });
});

describe('seg-studio export-masks: the export rules', () => {
  it("refuses the dataset's label folder and an existing annotations.json; --overwrite keeps the old one as a version", async () => {
    await expect(cli(exportMasksCommand, ['--data', mini, '--format', 'coco', '--out', join(mini, 'annotations', 'trimaps')])).rejects.toThrow(/trimap folder/);
    await expect(cli(exportMasksCommand, ['--data', mini, '--format', 'yolo', '--out', mini])).rejects.toThrow(/contains the trimap folder/);
    const out = join(work, 'cli-rules');
    await cli(exportMasksCommand, ['--data', synth, '--format', 'coco', '--out', out]);
    const first = readFileSync(join(out, 'annotations.json'));
    await expect(cli(exportMasksCommand, ['--data', synth, '--format', 'coco', '--split', 'train', '--out', out])).rejects.toThrow(/already exist.*--overwrite/);
    expect(readFileSync(join(out, 'annotations.json')).equals(first)).toBe(true);
    const again = await cli(exportMasksCommand, ['--data', synth, '--format', 'coco', '--split', 'train', '--out', out, '--overwrite']);
    expect(again.replaced).toBe(1);
    expect(readFileSync(join(out, '.versions', 'annotations.v1.json')).equals(first)).toBe(true);
    expect(readFileSync(join(out, 'annotations.json')).equals(first)).toBe(false);
    await expect(cli(exportMasksCommand, ['--data', synth, '--format', 'tiff', '--out', out])).rejects.toThrow(/--format: unknown mask format "tiff"/);
  });
});

describe('YOLO-seg polygons', () => {
  it('with every corner and no speck filter, the polygons cover exactly the source with its holes filled (pixel centres)', async () => {
    const out = join(work, 'yolo-synth-exact');
    await cli(exportMasksCommand, ['--data', synth, '--format', 'yolo', '--out', out, '--min-pixels', '1', '--epsilon', '0']);
    expect(readFileSync(join(out, 'classes.txt'), 'utf8')).toBe('foreground\n');
    const files = checkYolo(out, synthStems, synthSource);
    for (const f of files) {
      expect([f.file, f.extra_centres_filled, f.missing_centres_filled, f.iou_centres_filled]).toEqual([f.file, 0, 0, 1]);
    }
    const byStem = (st: string) => files.find((f) => f.file.endsWith(`/${st}.txt`))!;
    // Holes cannot be said in a polygon: the ring's and the blobs' holes come back filled.
    expect(byStem('rings').iou_centres).toBeLessThan(0.9);
    expect(byStem('blobs').iou_centres).toBeLessThan(1);
    // ring, disk in its hole, bordered block, staircase, checker patch, 1-px and 2-px specks
    expect(byStem('rings').polygons).toBe(7);
    expect(byStem('corners').polygons).toBe(3);
    expect([byStem('empty').polygons, byStem('full').polygons, byStem('full').vertices]).toEqual([0, 1, 4]);
  });

  it('at the default settings specks are left out; the oxford-mini trimaps come back with IoU ≥ 0.98', async () => {
    const outSynth = join(work, 'yolo-synth');
    await cli(exportMasksCommand, ['--data', synth, '--format', 'yolo', '--out', outSynth]);
    const synthFiles = checkYolo(outSynth, synthStems, synthSource);
    const byStem = (st: string) => synthFiles.find((f) => f.file.endsWith(`/${st}.txt`))!;
    expect(byStem('rings').polygons).toBe(5); // the 1-px and 2-px specks are gone
    expect(byStem('corners').polygons).toBe(0);

    const out = join(work, 'yolo-mini');
    const res = await cli(exportMasksCommand, ['--data', MINI, '--format', 'yolo', '--out', out]);
    expect(res.files).toBe(miniStems.length + 1);
    expect(readFileSync(join(out, 'classes.txt'), 'utf8')).toBe('pet\n');
    const files = checkYolo(out, miniStems, miniSource);
    const centres = stats(files.map((f) => f.iou_centres));
    const filled = stats(files.map((f) => f.iou_centres_filled));
    const pil = stats(files.map((f) => f.iou));
    console.log(
      `YOLO polygons on oxford-mini (ε 0.5 px, ${files.reduce((a, f) => a + f.vertices, 0)} vertices, ${files.reduce((a, f) => a + f.polygons, 0)} polygons): ` +
        `IoU at pixel centres min ${centres.min.toFixed(4)} mean ${centres.mean.toFixed(4)} (holes filled: min ${filled.min.toFixed(4)}); ` +
        `PIL polygon() at the mask size, outline included, min ${pil.min.toFixed(4)} mean ${pil.mean.toFixed(4)}`,
    );
    expect(centres.min).toBeGreaterThanOrEqual(0.98);
    expect(filled.min).toBeGreaterThanOrEqual(0.99);
    // PIL also fills the outline, so a pixel-corner polygon gains its right and bottom edge row.
    expect(pil.min).toBeGreaterThanOrEqual(0.97);
  });
});

describe('exports from the app (labels and predictions) and seg-studio predict', () => {
  let services: StudioServices;
  let datasetId: number;
  let runId: number;
  const runDir = join(work, 'data', 'runs', 'small');

  beforeAll(async () => {
    // A small real model (a few seconds): its masks are what the prediction exports must carry.
    const config = parseRunConfig({ data: MINI, model: 'unet', base: 8, size: 64, batchSize: 4, learningRate: 3e-3, epochs: 4, seed: 1, augment: { enabled: false } });
    mkdirSync(join(work, 'data'), { recursive: true });
    const recorder = recordCliRun({ dbPath, config, outDir: runDir, name: 'export-coco-yolo test' });
    runId = recorder.runId;
    recorder.finish(await train({ config, outDir: runDir, onEvent: (e) => recorder.onEvent(e) }));
    services = createStudioServices({ dbPath, recover: false });
    datasetId = (await ok<DatasetImportResult>(services, 'datasets', 'open', { path: mini })).dataset.id;
  }, 120_000);

  afterAll(() => services?.close());

  it('exports.labels: COCO exact; an existing annotations.json is refused unless overwrite, and then kept in .versions/', async () => {
    const folder = join(work, 'data', 'exports', 'labels-coco');
    const res = await ok<ExportLabelsResult>(services, 'exports', 'labels', { datasetId, folder, format: 'coco' });
    expect([res.files, res.images, res.objects, res.replaced]).toEqual([1, miniStems.length, miniStems.length, 0]);
    const ann = join(folder, 'annotations.json');
    const check = checkCoco(ann, Object.fromEntries(miniStems.map((st) => [`${st}.jpg`, miniSource(st)])));
    expect([check.problems, check.missing, check.min_iou]).toEqual([[], [], 1]);

    const first = readFileSync(ann);
    const again = await refused(services, 'exports', 'labels', { datasetId, folder, format: 'coco' });
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toContain(ann);
    expect(readFileSync(ann).equals(first)).toBe(true);
    expect(existsSync(join(folder, '.versions'))).toBe(false);

    const test = await ok<ExportLabelsResult>(services, 'exports', 'labels', { datasetId, split: 'test', folder, format: 'coco', overwrite: true });
    // The official test split of the fixture (annotations/test.txt).
    const testCount = readFileSync(join(MINI, 'annotations', 'test.txt'), 'utf8').trim().split('\n').length;
    expect([test.replaced, test.images, test.files]).toEqual([1, testCount, 1]);
    expect(readFileSync(join(folder, '.versions', 'annotations.v1.json')).equals(first)).toBe(true);
    const doc = JSON.parse(readFileSync(ann, 'utf8')) as { images: unknown[] };
    expect(doc.images.length).toBe(testCount);

    // Never into the dataset's own label folder, whatever the format.
    const inside = await refused(services, 'exports', 'labels', { datasetId, folder: join(mini, 'annotations', 'trimaps', 'coco'), format: 'coco' });
    expect(inside.code).toBe('PATH_REFUSED');
    const yolo = await ok<ExportLabelsResult>(services, 'exports', 'labels', { datasetId, folder: join(work, 'data', 'exports', 'labels-yolo'), format: 'yolo' });
    expect([yolo.files, yolo.images]).toEqual([miniStems.length + 1, miniStems.length]);
  });

  it('exports.masks of predictions: COCO equals the PNG export exactly, YOLO within IoU 0.98; predict --format coco equals predict PNGs', async () => {
    const split = 'test';
    const pngDir = join(work, 'data', 'exports', 'pred-png');
    const png = await ok<ExportMasksResult>(services, 'exports', 'masks', { runId, datasetId, split, folder: pngDir, format: 'png-0-255' });
    const stems = readdirSync(pngDir).filter((n) => n.endsWith('.png')).map((n) => n.replace(/\.png$/, '')).sort();
    expect(stems.length).toBe(png.files);
    expect(stems.length).toBeGreaterThan(0);
    const predicted = (st: string): Source => ({ mask: join(pngDir, `${st}.png`), encoding: 'binary' });

    const cocoDir = join(work, 'data', 'exports', 'pred-coco');
    const coco = await ok<ExportMasksResult>(services, 'exports', 'masks', { runId, datasetId, split, folder: cocoDir, format: 'coco' });
    expect([coco.files, coco.images, coco.format]).toEqual([1, stems.length, 'coco']);
    const check = checkCoco(join(cocoDir, 'annotations.json'), Object.fromEntries(stems.map((st) => [`${st}.jpg`, predicted(st)])));
    expect([check.problems, check.missing]).toEqual([[], []]);
    expect(check.images.map((i) => [i.file_name, i.identical]).sort()).toEqual(stems.map((st) => [`${st}.jpg`, true]).sort());
    const foreground = check.images.reduce((a, i) => a + i.truth_pixels, 0);
    expect(foreground).toBeGreaterThan(0);

    const yoloDir = join(work, 'data', 'exports', 'pred-yolo');
    await ok<ExportMasksResult>(services, 'exports', 'masks', { runId, datasetId, split, folder: yoloDir, format: 'yolo' });
    const files = checkYolo(yoloDir, stems, predicted);
    const filled = stats(files.filter((f) => f.truth_pixels > 0).map((f) => f.iou_centres_filled));
    console.log(`YOLO polygons of predicted masks (${files.length}): IoU at pixel centres with holes filled min ${filled.min.toFixed(4)} mean ${filled.mean.toFixed(4)}`);
    expect(filled.min).toBeGreaterThanOrEqual(0.98);

    // The CLI: one prediction written as PNG files and as annotations.json must agree pixel for pixel.
    const few = miniStems.slice(0, 4);
    const photos = join(work, 'few-photos');
    mkdirSync(photos);
    for (const st of few) cpSync(join(MINI, 'images', `${st}.jpg`), join(photos, `${st}.jpg`));
    const cliPng = join(work, 'cli-png');
    const cliCoco = join(work, 'cli-coco');
    await cli(predictCommand, ['--checkpoint', join(runDir, 'best'), '--input', photos, '--out', cliPng]);
    const j = await cli(predictCommand, ['--checkpoint', join(runDir, 'best'), '--input', photos, '--out', cliCoco, '--format', 'coco']);
    expect([j.format, j.files, j.written]).toEqual(['coco', 1, few.length]);
    const cliCheck = checkCoco(join(cliCoco, 'annotations.json'), Object.fromEntries(few.map((st) => [`${st}.jpg`, { mask: join(cliPng, `${st}.png`), encoding: 'binary' as const }])));
    expect([cliCheck.problems, cliCheck.missing]).toEqual([[], []]);
    expect(cliCheck.images.every((i) => i.identical)).toBe(true);
    await expect(cli(predictCommand, ['--checkpoint', join(runDir, 'best'), '--input', photos, '--out', cliCoco, '--format', 'coco'])).rejects.toThrow(/already exist/);

    // export-masks --source predictions turns a folder of PNG masks into COCO, named after the dataset's photos.
    const fromPng = join(work, 'cli-from-png');
    await cli(exportMasksCommand, ['--source', 'predictions', '--masks', cliPng, '--data', mini, '--format', 'coco', '--out', fromPng]);
    const fromPngCheck = checkCoco(join(fromPng, 'annotations.json'), Object.fromEntries(few.map((st) => [`${st}.jpg`, { mask: join(cliPng, `${st}.png`), encoding: 'binary' as const }])));
    expect([fromPngCheck.problems, fromPngCheck.missing, fromPngCheck.images.every((i) => i.identical)]).toEqual([[], [], true]);
  }, 120_000);
});
