// The studio end to end in a real Chromium against a real `seg-studio serve`: open the fixture
// dataset, view and label a sample, preview augmentations, train a tiny run from the form,
// predict with it and export masks, checking the files on disk. The fixture is copied to a
// temp folder first, so labeling and exports never touch the repository.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { readBackMasks } from '../helpers/mask-check';
import { imageFingerprints, paintedPixels, waitImagesLoaded } from './page-helpers';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/oxford-mini');

describe.sequential('studio in a browser', () => {
  let tmp: string;
  let datasetDir: string;
  let server: StudioServer;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;
  let runId = 0;

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-flow-'));
    datasetDir = join(tmp, 'oxford-mini');
    cpSync(FIXTURE, datasetDir, { recursive: true });
    server = await startStudioServer({ dataDir: join(tmp, 'data'), datasetsRoot: tmp });
    session = await launchBrowser();
    page = session.page;
    await page.goto(server.pageUrl);
  }, 20 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('keeps the token out of the address bar and shows what to do first', async () => {
    await page.getByText('No dataset open yet').waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => sessionStorage.getItem('seg-studio-token'))).toBe(server.token);
  });

  it('reports a folder it cannot open, naming it', async () => {
    await page.getByLabel('Dataset folder', { exact: true }).fill(join(tmp, 'no-such-folder'));
    await page.getByRole('button', { name: 'Open folder' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'no-such-folder' });
    await alert.first().waitFor();
  });

  it('opens the dataset and shows its thumbnails', async () => {
    await page.getByLabel('Dataset folder', { exact: true }).fill(datasetDir);
    await page.getByRole('button', { name: 'Open folder' }).click();
    const report = page.getByTestId('import-report');
    await report.waitFor();
    expect(await report.textContent()).toMatch(/Oxford-IIIT Pet layout/);
    expect(await report.textContent()).toMatch(/0 skipped/);
    await page.getByTestId('sample-count').filter({ hasText: '16 images' }).waitFor();
    const loaded = await waitImagesLoaded(page, '[data-testid=sample-grid] img', 16);
    expect(loaded).toBe(16);
    await screenshot(page, '01-datasets');

    // Filters reach the service: 8 cats in the fixture, 6 official test images.
    await page.getByLabel('Species').selectOption('cat');
    await page.getByTestId('sample-count').filter({ hasText: /^8 images$/ }).waitFor();
    await page.getByLabel('Species').selectOption('');
    await page.getByLabel('Split').selectOption('test');
    await page.getByTestId('sample-count').filter({ hasText: /^6 images$/ }).waitFor();
    await page.getByLabel('Split').selectOption('');
    await page.getByTestId('sample-count').filter({ hasText: '16 images' }).waitFor();
  });

  it("exports the dataset's labels as COCO from the datasets page (read back exactly); a second export is refused until Replace is ticked", async () => {
    const target = join(tmp, 'data', 'exports', 'labels-e2e');
    await page.locator('details.export-labels > summary').click();
    await page.getByLabel('Export to').fill(target);
    await page.getByLabel('Format', { exact: true }).selectOption('coco');
    await page.getByRole('button', { name: 'Export labels' }).click();
    await page.getByTestId('labels-export-summary').filter({ hasText: 'Wrote 16 masks (coco) into annotations.json, 16 annotations' }).waitFor({ timeout: 60_000 });
    const stems = readdirSync(join(FIXTURE, 'images')).map((n) => n.replace(/\.jpg$/, ''));
    const sources = join(tmp, 'labels-e2e.sources.json');
    writeFileSync(sources, JSON.stringify(Object.fromEntries(stems.map((st) => [`${st}.jpg`, { mask: join(FIXTURE, 'annotations', 'trimaps', `${st}.png`), encoding: 'trimap' }]))));
    const check = JSON.parse(execFileSync('/usr/bin/python3', [resolve(import.meta.dirname, '../helpers/coco_yolo_check.py'), 'coco', join(target, 'annotations.json'), sources], { encoding: 'utf8' })) as { problems: string[]; missing: string[]; min_iou: number };
    expect([check.problems, check.missing, check.min_iou]).toEqual([[], [], 1]);

    await page.getByRole('button', { name: 'Export labels' }).click();
    await page.getByRole('alert').filter({ hasText: 'already exist' }).first().waitFor();
    await page.locator('#labels-overwrite').check();
    await page.getByRole('button', { name: 'Export labels' }).click();
    await page.getByTestId('labels-export-summary').filter({ hasText: 'replaced 1' }).waitFor({ timeout: 60_000 });
    expect(existsSync(join(target, '.versions', 'annotations.v1.json'))).toBe(true);
    await page.locator('details.export-labels > summary').click();
  });

  it('opens a sample with its mask overlaid', async () => {
    await page.locator('[data-testid=sample-grid] a.thumb').first().click();
    await page.waitForURL(/#\/sample\//);
    await waitImagesLoaded(page, '.stage-photo', 1);
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid=mask-overlay]') as HTMLCanvasElement | null;
      if (!c) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i]) return true;
      return false;
    });
    const filled = await paintedPixels(page, '[data-testid=mask-overlay]');
    await page.getByRole('radio', { name: 'outline', exact: true }).click();
    await page.waitForFunction((n) => {
      const c = document.querySelector('[data-testid=mask-overlay]') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let k = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]) k++;
      return k > 0 && k < n / 2;
    }, filled);
    await page.getByRole('radio', { name: 'fill', exact: true }).click();
    await screenshot(page, '02-sample-overlay');
  });

  it('paints a stroke with the brush and undoes it', async () => {
    const overlay = '[data-testid=mask-overlay]';
    await page.waitForFunction((sel) => {
      const c = document.querySelector(sel) as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i]) return true;
      return false;
    }, overlay);
    const before = await paintedPixels(page, overlay);
    await page.keyboard.press('b');
    expect(await page.getByRole('radio', { name: /Brush/ }).getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press(']');
    const box = (await page.locator('.stage-inner').boundingBox())!;
    // A stroke across the top edge of the photo, where the pet rarely is: it must add pixels.
    const y = box.y + box.height * 0.06;
    await page.mouse.move(box.x + box.width * 0.05, y);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width * (0.05 + i * 0.07), y);
    await page.mouse.up();
    const after = await paintedPixels(page, overlay);
    expect(after).toBeGreaterThan(before + 100);
    expect(await page.getByRole('button', { name: /Save mask/ }).isEnabled()).toBe(true);
    await screenshot(page, '03-brush-stroke');

    await page.keyboard.press('Control+z');
    expect(await paintedPixels(page, overlay)).toBe(before);
    await page.keyboard.press('Control+Shift+z');
    expect(await paintedPixels(page, overlay)).toBe(after);
    await page.keyboard.press('Control+z');
    expect(await paintedPixels(page, overlay)).toBe(before);
  });

  it('previews distinct augmented versions and hands the settings to the run form', async () => {
    await page.getByRole('link', { name: 'Augmentation preview' }).click();
    await page.waitForURL(/#\/augment\//);
    await waitImagesLoaded(page, '[data-testid=augment-image]', 8);
    // With the default probabilities a version can come out un-augmented (about 1 in 7), so two
    // of eight may legitimately match. Geometric at p = 1 draws a fresh crop or angle for each.
    const srcs = () => page.locator('[data-testid=augment-image]').evaluateAll((els) => els.map((e) => (e as HTMLImageElement).src));
    const newImages = async (prev: string[]) =>
      page.waitForFunction((prev) => {
        const imgs = [...document.querySelectorAll('[data-testid=augment-image]')] as HTMLImageElement[];
        return imgs.length === 8 && imgs.every((i) => i.complete && i.naturalWidth > 0 && !prev.includes(i.src));
      }, prev);
    let before = await srcs();
    await page.getByLabel('Geometric probability').fill('1');
    await newImages(before);
    const first = await imageFingerprints(page, '[data-testid=augment-image]');
    expect(first).toHaveLength(8);
    expect(new Set(first).size).toBe(8);
    await screenshot(page, '04-augment-preview');

    before = await srcs();
    await page.getByRole('button', { name: /Reseed/ }).click();
    await newImages(before);
    const second = await imageFingerprints(page, '[data-testid=augment-image]');
    expect(new Set(second).size).toBe(8);
    expect(second).not.toEqual(first);

    // Switch the flip group off: the run form must receive that choice, not the defaults.
    await page.getByLabel('Flip on').uncheck();
    await page.getByRole('button', { name: 'Use these settings' }).click();
    await page.waitForURL(/#\/new-run/);
    await page.getByText('Augmentation (from the preview)').waitFor();
    expect(await page.getByLabel('Flip on').isChecked()).toBe(false);
  }, 3 * 60_000);

  it('validates the run form next to each field and starts a tiny run', async () => {
    await page.getByLabel('Model').selectOption('unet');
    await page.getByLabel('Base width').fill('4');
    await page.getByLabel('Input size (px)').fill('33');
    await page.locator('#run-size-error').filter({ hasText: 'multiple of 32' }).waitFor();
    expect(await page.getByRole('button', { name: 'Start run' }).isDisabled()).toBe(true);
    await page.getByLabel('Input size (px)').fill('32');
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await page.getByLabel('Batch size').fill('4');
    await page.getByLabel('Learning rate', { exact: true }).fill('0.003');
    await page.getByLabel('Name').fill('e2e tiny');
    await page.locator('#run-size-error').waitFor({ state: 'detached' });
    await page.getByTestId('epoch-estimate').filter({ hasNotText: 'estimating' }).waitFor();
    await screenshot(page, '05-run-form');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/\d+$/);
    runId = Number(/#\/runs\/(\d+)$/.exec(page.url())![1]);
    expect(runId).toBeGreaterThan(0);
  }, 3 * 60_000);

  it('draws curve points while the run trains and shows the result when it finishes', async () => {
    const points = page.locator('[data-testid=chart-dice] circle.chart-point');
    // Two series (train, valid) get a point per finished epoch.
    await points.nth(1).waitFor({ timeout: 8 * 60_000 });
    const statusWhenFirstPoint = await page.locator('.page-header .badge').textContent();
    await screenshot(page, '06-run-training');
    await page.locator('.page-header .badge', { hasText: 'completed' }).waitFor({ timeout: 8 * 60_000 });
    expect(await points.count()).toBe(4);
    expect(['running', 'completed']).toContain(statusWhenFirstPoint);
    expect(await page.getByTestId('run-epochs').textContent()).toBe('2/2 epochs');
    await page.getByTestId('test-dice').filter({ hasText: /^\d\.\d{3}$/ }).waitFor();
    expect(await page.getByTestId('best-dice').textContent()).toMatch(/epoch [12] · valid Dice \d\.\d{3}/);
    await screenshot(page, '07-run-finished');
  }, 10 * 60_000);

  it('predicts the test split, worst first, and exports masks at the photos\u2019 sizes', async () => {
    await page.getByRole('link', { name: 'Predictions of this run' }).click();
    await page.waitForURL(/#\/predictions\//);
    await page.getByLabel('Split').selectOption('test');
    await page.getByRole('button', { name: /^Predict/ }).click();
    const cards = page.getByTestId('prediction-card');
    await cards.nth(5).waitFor({ timeout: 5 * 60_000 });
    expect(await cards.count()).toBe(6);
    const dice = (await cards.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-dice')))));
    expect(dice).toEqual([...dice].sort((a, b) => a - b));
    await waitImagesLoaded(page, '[data-testid=prediction-card] img', 6);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=prediction-card] canvas').length === 6);
    await screenshot(page, '08-predictions');
    await page.getByRole('radio', { name: 'difference', exact: true }).click();
    await screenshot(page, '09-predictions-difference');

    // Multi-scale: the page asks the service for the "auto" sizes beside the mirror (tta.test
    // checks what the service computes with them against the CLI and files read back by PIL).
    await page.getByTestId('predict-multiscale').check();
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/predictions/run') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Predict again' }).click();
    expect(JSON.parse((await sent).postData()!)).toMatchObject({ runId, split: 'test', tta: true, ttaSizes: 'auto' });
    await page.getByRole('button', { name: 'Predict again' }).waitFor({ timeout: 5 * 60_000 });
    await cards.nth(5).waitFor();

    // The default export folder is in the app's data folder, not beside the dataset.
    const folder = join(tmp, 'data', 'exports', 'masks', `run-${runId}-test`);
    expect(await page.getByLabel('Folder').inputValue()).toBe(folder);
    await page.getByLabel('Format', { exact: true }).selectOption('0-1');
    await page.getByRole('button', { name: 'Export masks' }).click();
    await page.getByTestId('export-summary').filter({ hasText: 'Wrote 6 masks (0-1)' }).waitFor({ timeout: 120_000 });
    await screenshot(page, '10-export');

    expect(existsSync(folder)).toBe(true);
    const files = readdirSync(folder).filter((f) => f.endsWith('.png')).sort();
    expect(files).toHaveLength(6);
    // Read back by PIL, not by the studio's decoder: one grey band of 0/1 at the photo's size.
    const read = readBackMasks(
      files.map((f) => ({ mask: join(folder, f), truth: join(datasetDir, 'annotations', 'trimaps', f), photo: join(datasetDir, 'images', f.replace(/\.png$/, '.jpg')) })),
    );
    for (const m of read.items) {
      expect([m.mode, m.bands, m.size], m.mask).toEqual(['L', 1, m.photoSize]);
      expect(m.values.every((v) => v === 0 || v === 1), m.mask).toBe(true);
    }
  }, 8 * 60_000);

  it('lists the run and overlays its curves for comparison', async () => {
    await page.goto(`${server.url}/#/runs`);
    await page.getByRole('checkbox', { name: `Compare run ${runId}` }).check();
    await page.getByTestId('compare-charts').locator('circle.chart-point').nth(1).waitFor();
    await screenshot(page, '11-runs-compare');
  });

  it('reads well in the dark theme', async () => {
    await page.getByLabel('Colour theme').selectOption('dark');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(18, 21, 27)');
    await page.goto(`${server.url}/#/datasets`);
    await waitImagesLoaded(page, '[data-testid=sample-grid] img', 16);
    await screenshot(page, '12-datasets-dark');
    expect(session.pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
