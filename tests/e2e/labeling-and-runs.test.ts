// Labeling and run features end to end in a real Chromium against a real `seg-studio serve`:
// saving an edited mask (button and Ctrl+S, versions kept, trimap kept a trimap, reload shows
// it), labeling an unlabeled photo from scratch, "use prediction as label", resuming a finished
// run, exporting the model, and an export refused outside the allowed folders. Each check reads
// the files on disk. The fixtures are copied to a temp folder first.
//
// To keep the file fast, the tiny run is started through the API (the run form has its own
// test in studio-flow) as soon as the server is up, so it trains while the labeling tests run
// on another copy of the dataset.
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { paintedPixels, strokeAcross, waitImagesLoaded, waitPainted } from './page-helpers';
import { studioApi, type TestApi } from './studio-api';
import { readBackMasks } from '../helpers/mask-check';

const OXFORD = resolve(import.meta.dirname, '../fixtures/oxford-mini');
const GENERIC = resolve(import.meta.dirname, '../fixtures/generic-mini');
const OVERLAY = '[data-testid=mask-overlay]';

/** Raw single-channel pixels of a PNG on disk (or in memory). */
async function pixels(src: string | Uint8Array): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(src).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function count(data: Uint8Array, pred: (v: number) => boolean): number {
  let n = 0;
  for (const v of data) if (pred(v)) n++;
  return n;
}

const trimapPet = (v: number) => v === 1 || v === 3;

describe.sequential('labeling, predictions as labels, resume and export', () => {
  let tmp: string;
  let trainDir: string;
  let editDir: string;
  let genericDir: string;
  let server: StudioServer;
  let api: TestApi;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;
  let trainId = 0;
  let editId = 0;
  let runId = 0;

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-label-'));
    trainDir = join(tmp, 'pets-train');
    editDir = join(tmp, 'pets-edit');
    genericDir = join(tmp, 'generic-mini');
    cpSync(OXFORD, trainDir, { recursive: true });
    cpSync(OXFORD, editDir, { recursive: true });
    cpSync(GENERIC, genericDir, { recursive: true });
    server = await startStudioServer({ dataDir: join(tmp, 'data'), datasetsRoot: tmp });
    api = studioApi(server);
    trainId = (await api.datasets.open({ path: trainDir })).dataset.id;
    editId = (await api.datasets.open({ path: editDir })).dataset.id;
    ({ runId } = await api.runs.start({
      name: 'e2e resume',
      config: { data: trainDir, model: 'unet', base: 4, size: 32, epochs: 1, batchSize: 4, learningRate: 0.003 },
    }));
    session = await launchBrowser();
    page = session.page;
    await page.goto(server.pageUrl);
  }, 10 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('saves a painted mask (button and Ctrl+S) as a trimap, keeps versions, and shows it after a reload', async () => {
    const sampleId = 'Abyssinian_11';
    const file = join(editDir, 'annotations', 'trimaps', `${sampleId}.png`);
    const original = readFileSync(file);
    const before = await pixels(file);
    const petBefore = count(before.data, trimapPet);

    await page.goto(`${server.url}/#/sample/${editId}/${sampleId}`);
    await waitImagesLoaded(page, '.stage-photo', 1);
    await waitPainted(page, OVERLAY, petBefore);

    // Brush across the top edge (background there): the saved trimap gains pet pixels.
    await page.keyboard.press('b');
    await page.keyboard.press(']');
    await strokeAcross(page, 0.05, 0.9, 0.05, 10);
    const painted = await paintedPixels(page, OVERLAY);
    expect(painted).toBeGreaterThan(petBefore + 100);
    await page.getByRole('button', { name: /Save mask/ }).click();
    await page.getByRole('status').filter({ hasText: `Saved to ${file}` }).waitFor();
    await page.getByRole('button', { name: /^Saved/ }).waitFor();
    await page.getByText('1 earlier mask version(s)').waitFor();

    const v1 = join(editDir, 'annotations', 'trimaps', '.versions', `${sampleId}.v1.png`);
    expect(existsSync(v1)).toBe(true);
    expect(readFileSync(v1).equals(original)).toBe(true);
    const first = await pixels(file);
    expect([first.width, first.height]).toEqual([before.width, before.height]);
    // Still a trimap: 1 pet, 2 background (the editor has no border class, so no 3s).
    expect([...new Set(first.data)].sort()).toEqual([1, 2]);
    expect(count(first.data, trimapPet)).toBe(painted);
    // The stroke only added pet pixels: every pet pixel of before is still pet.
    for (let i = 0; i < before.data.length; i++) if (trimapPet(before.data[i]!)) expect(first.data[i]).toBe(1);
    const firstBytes = readFileSync(file);

    // Erase through the middle (the pet) and save with Ctrl+S.
    await page.keyboard.press('e');
    await strokeAcross(page, 0.2, 0.8, 0.5, 10);
    const erased = await paintedPixels(page, OVERLAY);
    expect(erased).toBeLessThan(painted - 100);
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: `.versions/${sampleId}.v2.png` }).waitFor();
    const v2 = join(editDir, 'annotations', 'trimaps', '.versions', `${sampleId}.v2.png`);
    expect(readFileSync(v2).equals(firstBytes)).toBe(true);
    const second = await pixels(file);
    expect(count(second.data, trimapPet)).toBe(erased);
    expect(count(second.data, (v) => v !== 1 && v !== 2)).toBe(0);

    // A reload shows the saved mask (from disk, not the editor's memory) and both versions.
    await page.reload();
    await waitImagesLoaded(page, '.stage-photo', 1);
    await waitPainted(page, OVERLAY, erased);
    await page.getByText('2 earlier mask version(s)').waitFor();
    expect(await page.getByRole('button', { name: /^Saved/ }).isDisabled()).toBe(true);
    await screenshot(page, '20-mask-saved-reloaded');
  });

  it('labels an unlabeled photo of a generic dataset from scratch', async () => {
    await page.goto(`${server.url}/#/datasets`);
    await page.getByLabel('Dataset folder', { exact: true }).fill(genericDir);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await page.getByTestId('import-report').waitFor();
    await page.getByTestId('sample-count').filter({ hasText: /^5 images$/ }).waitFor();
    await page.getByLabel('Labels').selectOption('no');
    await page.getByTestId('sample-count').filter({ hasText: /^1 image$/ }).waitFor();
    await page.locator('[data-testid=sample-grid] a.thumb').first().click();
    await page.waitForURL(/#\/sample\/\d+\/unlabeled_cat$/);
    await page.getByText('unlabeled — paint a label and save it').waitFor();
    await waitImagesLoaded(page, '.stage-photo', 1);
    expect(await paintedPixels(page, OVERLAY)).toBe(0);

    // A blob of brush strokes over the middle of the photo, then Ctrl+S.
    await page.keyboard.press('b');
    for (let i = 0; i < 3; i++) await page.keyboard.press(']');
    for (const fy of [0.35, 0.45, 0.55, 0.65]) await strokeAcross(page, 0.3, 0.7, fy, 10);
    const painted = await paintedPixels(page, OVERLAY);
    expect(painted).toBeGreaterThan(1000);
    await page.keyboard.press('Control+s');
    const file = join(genericDir, 'masks', 'unlabeled_cat.png');
    const status = page.getByRole('status').filter({ hasText: `Saved to ${file}` });
    await status.waitFor();
    expect(await status.textContent()).not.toMatch(/previous kept/);
    // The page now knows the photo is labeled.
    await page.locator('.page-header').getByText(/· labeled$/).waitFor();
    await screenshot(page, '21-unlabeled-labeled');

    const photo = await sharp(join(genericDir, 'images', 'unlabeled_cat.jpg')).metadata();
    const mask = await pixels(file);
    expect([mask.width, mask.height]).toEqual([photo.width, photo.height]);
    // The generic layout's own convention: 0/255 grayscale.
    expect([...new Set(mask.data)].sort((a, b) => a - b)).toEqual([0, 255]);
    expect(count(mask.data, (v) => v === 255)).toBe(painted);
    expect(existsSync(join(genericDir, 'masks', '.versions'))).toBe(false);

    // The grid's label filter sees it: no unlabeled photo left, all five labeled.
    await page.getByRole('link', { name: '← Dataset' }).click();
    await page.waitForURL(/#\/datasets\/\d+$/);
    await page.getByLabel('Labels').selectOption('no');
    await page.getByTestId('sample-count').filter({ hasText: /^0 images$/ }).waitFor();
    await page.getByLabel('Labels').selectOption('yes');
    await page.getByTestId('sample-count').filter({ hasText: /^5 images$/ }).waitFor();
    await page.locator('[data-sample-id="unlabeled_cat"]').waitFor();
  });

  it('uses a run\u2019s prediction as the label and saves it', async () => {
    // The run started in beforeAll: wait for it, then predict the test split.
    for (;;) {
      const r = await api.runs.get({ runId });
      if (r.status === 'completed') break;
      if (r.status === 'failed' || r.status === 'cancelled' || r.status === 'interrupted') throw new Error(`run ${runId} ${r.status}: ${r.error}`);
      await sleep(250);
    }
    const predicted = await api.predictions.run({ runId, datasetId: trainId, split: 'test' });
    expect(predicted.items).toHaveLength(6);

    const sampleId = 'Abyssinian_56';
    const file = join(trainDir, 'annotations', 'trimaps', `${sampleId}.png`);
    const before = await pixels(file);
    const pred = await pixels((await api.predictions.mask({ runId, datasetId: trainId, sampleId })).png);
    const photo = await sharp(join(trainDir, 'images', `${sampleId}.jpg`)).metadata();
    expect([pred.width, pred.height]).toEqual([photo.width, photo.height]);
    const predPet = count(pred.data, (v) => v >= 128);

    await page.goto(`${server.url}/#/sample/${trainId}/${sampleId}`);
    await waitImagesLoaded(page, '.stage-photo', 1);
    await waitPainted(page, OVERLAY, count(before.data, trimapPet));
    await page.getByLabel('Prediction of').selectOption(String(runId));
    await page.getByRole('button', { name: 'Use prediction as label' }).click();
    await waitPainted(page, OVERLAY, predPet);
    await screenshot(page, '22-prediction-as-label');
    // Ctrl+S saves even with the focus in the run picker (no browser "save page" instead).
    await page.getByLabel('Prediction of').focus();
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: `Saved to ${file}` }).waitFor();

    const saved = await pixels(file);
    expect([saved.width, saved.height]).toEqual([photo.width, photo.height]);
    let mismatches = 0;
    let changed = 0;
    for (let i = 0; i < saved.data.length; i++) {
      if ((saved.data[i] === 1) !== pred.data[i]! >= 128) mismatches++;
      if ((saved.data[i] === 1) !== trimapPet(before.data[i]!)) changed++;
    }
    expect(mismatches).toBe(0);
    expect(count(saved.data, (v) => v !== 1 && v !== 2)).toBe(0);
    // Read by PIL: a one-band trimap whose Dice with the label it replaced (kept as v1) is the
    // Dice the prediction reported.
    const [onDisk] = readBackMasks([
      { mask: file, maskEncoding: 'trimap', truth: join(trainDir, 'annotations', 'trimaps', '.versions', `${sampleId}.v1.png`), photo: join(trainDir, 'images', `${sampleId}.jpg`) },
    ]).items;
    expect([onDisk!.mode, onDisk!.bands, onDisk!.size]).toEqual(['L', 1, onDisk!.photoSize]);
    expect(onDisk!.dice).toBeCloseTo(predicted.items.find((i) => i.sampleId === sampleId)!.dice, 9);
    // A one-epoch model does not reproduce the true trimap: the label really changed.
    expect(changed).toBeGreaterThan(0);
  }, 120_000);

  it('resumes the finished run to more epochs from the run page', async () => {
    await page.goto(`${server.url}/#/runs/${runId}`);
    const points = page.locator('[data-testid=chart-dice] circle.chart-point');
    await page.getByTestId('run-epochs').filter({ hasText: '1/1 epochs' }).waitFor();
    await points.nth(1).waitFor();
    expect(await points.count()).toBe(2);
    await page.getByLabel('Epochs to train to when resuming').fill('2');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('run-epochs').filter({ hasText: '2/2 epochs' }).waitFor({ timeout: 90_000 });
    await page.locator('.page-header .badge', { hasText: 'completed' }).waitFor({ timeout: 60_000 });
    await points.nth(3).waitFor();
    expect(await points.count()).toBe(4);
    const r = await api.runs.get({ runId });
    expect(r.status).toBe('completed');
    expect(r.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    await screenshot(page, '23-run-resumed');
  }, 120_000);

  it('exports the model into a folder that tf.loadLayersModel reads', async () => {
    const folder = join(tmp, 'data', 'exports', 'models', `run-${runId}`);
    const input = page.getByLabel('Folder');
    expect(await input.inputValue()).toBe(folder);
    await page.getByRole('button', { name: 'Export model' }).click();
    await page.getByRole('status').filter({ hasText: 'Wrote' }).filter({ hasText: folder }).waitFor({ timeout: 30_000 });
    await screenshot(page, '24-model-exported');

    const files = readdirSync(folder);
    expect(files).toEqual(expect.arrayContaining(['model.json', 'weights.bin']));
    expect(files).not.toContain('optimizer.bin');
    const { readLayersModel } = await import('../../src/engine/train/checkpoint');
    const tf = await import('@tensorflow/tfjs');
    const model = await readLayersModel(folder);
    try {
      const out = tf.tidy(() => model.predict(tf.zeros([1, 32, 32, 3])) as import('@tensorflow/tfjs').Tensor);
      expect(out.shape).toEqual([1, 32, 32, 1]);
      const v = await out.data();
      out.dispose();
      expect(v.every((x) => Number.isFinite(x))).toBe(true);
    } finally {
      model.dispose();
    }
  }, 60_000);

  it('shows a refused export folder in place, naming it', async () => {
    const outside = join(tmp, 'not-a-dataset', 'masks');
    await page.goto(`${server.url}/#/predictions/${runId}/${trainId}`);
    await page.getByTestId('prediction-card').first().waitFor();
    await page.getByLabel('Folder').fill(outside);
    await page.getByRole('button', { name: 'Export masks' }).click();
    const alert = page.locator('.export-masks').getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain(outside);
    expect(text).toMatch(/outside the opened datasets/);
    expect(existsSync(join(tmp, 'not-a-dataset'))).toBe(false);
    // Typing a new folder afterwards must not rename the folder the error is about.
    await page.getByLabel('Folder').fill(join(trainDir, 'typing'));
    expect(await alert.locator('strong').textContent()).toBe(`Exporting masks to ${outside}: `);
    await alert.scrollIntoViewIfNeeded();
    await screenshot(page, '25-export-refused');
    expect(session.pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });

  it('replaces exported masks only when "Replace existing files" is ticked, keeping the old ones', async () => {
    const folder = join(tmp, 'data', 'exports', 'again');
    await page.goto(`${server.url}/#/predictions/${runId}/${trainId}`);
    await page.getByTestId('prediction-card').first().waitFor();
    await page.getByLabel('Folder').fill(folder);
    await page.getByRole('button', { name: 'Export masks' }).click();
    await page.getByTestId('export-summary').filter({ hasText: 'Wrote 6 masks (0-255)' }).waitFor({ timeout: 60_000 });
    const names = readdirSync(folder).filter((f) => f.endsWith('.png')).sort();
    const first = new Map(names.map((f) => [f, readFileSync(join(folder, f))]));

    await page.getByLabel('Format', { exact: true }).selectOption('0-1');
    await page.getByRole('button', { name: 'Export masks' }).click();
    const alert = page.locator('.export-masks').getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/6 of the 6 mask files already exist/);
    for (const [f, bytes] of first) expect(readFileSync(join(folder, f)).equals(bytes), f).toBe(true);

    await page.getByLabel(/Replace existing files/).check();
    await page.getByRole('button', { name: 'Export masks' }).click();
    await page.getByTestId('export-summary').filter({ hasText: 'replaced 6' }).waitFor({ timeout: 60_000 });
    await screenshot(page, '26-export-replaced');
    for (const [f, bytes] of first) expect(readFileSync(join(folder, '.versions', f.replace(/\.png$/, '.v1.png'))).equals(bytes), f).toBe(true);
    const read = readBackMasks(
      names.map((f) => ({ mask: join(folder, f), truth: join(trainDir, 'annotations', 'trimaps', f), photo: join(trainDir, 'images', f.replace(/\.png$/, '.jpg')) })),
    );
    for (const m of read.items) {
      expect([m.mode, m.bands, m.size], m.mask).toEqual(['L', 1, m.photoSize]);
      expect(m.values.every((v) => v === 0 || v === 1), m.mask).toBe(true);
    }
    expect(session.pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
