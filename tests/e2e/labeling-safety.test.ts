// The label editor as a new user meets it, in a real Chromium against a real `seg-studio serve`
// started on an empty data folder (so the first start opens the bundled sample):
// - the first start opens a copy of the sample in the data folder; saving a mask edits the copy
//   and leaves resources/sample-dataset byte-identical (SHA-256 of every file before and after);
// - unsaved edits are guarded on every way out (in-app links, the back button, reload, closing
//   the tab) with save / discard / stay, and a reload offers the autosaved draft back;
// - a save message's path wraps inside the panel, and the undo hint follows the saved state;
// - a run's prediction is a second overlay with its own colour, a toggle and its Dice against the
//   label (checked against a Dice computed here from the PNG files), and undoing an adoption
//   returns the Save button to "Saved";
// - the thumbnail grid is one Tab stop with arrow-key movement, and opening a sample puts the
//   focus on its heading;
// - the augmentation preview resets to defaults and says that training squashes photos to squares.
// One server, one browser; the tiny run trains (through the API) while the first checks run.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileHashes } from '../helpers/file-hashes';
import type { Dialog, Page } from 'playwright-core';
import { augmentConfigSchema } from '../../src/shared/run-config';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { paintedPixels, strokeAcross, waitImagesLoaded, waitPainted } from './page-helpers';
import { studioApi, type TestApi } from './studio-api';

const BUNDLED = resolve(import.meta.dirname, '../../resources/sample-dataset');
const OVERLAY = '[data-testid=mask-overlay]';
const PRED_OVERLAY = '[data-testid=prediction-overlay]';

/** One band of a PNG (file or bytes) as 0/1 "pet" per pixel, decoded by sharp (not the studio). */
async function petPixels(src: string | Uint8Array, isPet: (v: number) => boolean): Promise<Uint8Array> {
  const { data } = await sharp(src).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return Uint8Array.from(data, (v) => (isPet(v) ? 1 : 0));
}
const trimapPet = (v: number) => v === 1 || v === 3;
const sum = (a: Uint8Array) => a.reduce((n, v) => n + v, 0);

describe.sequential('label editor safety, first start copy, prediction overlay, grid keys, augmentation reset', () => {
  let tmp: string;
  let dataDir: string;
  let copyRoot: string;
  let server: StudioServer;
  let api: TestApi;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;
  let datasetId = 0;
  let runId = 0;
  let bundledBefore: Record<string, string>;
  const dialogs: string[] = [];
  /** What the next beforeunload prompt is answered with. */
  let leaveAnswer: 'accept' | 'dismiss' = 'accept';

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-safety-'));
    bundledBefore = fileHashes(BUNDLED);
    dataDir = join(tmp, 'data');
    server = await startStudioServer({ dataDir, datasetsRoot: tmp, openSample: true });
    api = studioApi(server);
    const list = await api.datasets.list();
    expect(list).toHaveLength(1);
    datasetId = list[0]!.id;
    copyRoot = list[0]!.root;
    ({ runId } = await api.runs.start({
      name: 'e2e overlay',
      config: { data: copyRoot, model: 'unet', base: 4, size: 32, epochs: 1, batchSize: 8, learningRate: 0.003 },
    }));
    session = await launchBrowser();
    page = session.page;
    page.on('dialog', (d: Dialog) => {
      dialogs.push(d.type());
      void (d.type() === 'beforeunload' && leaveAnswer === 'dismiss' ? d.dismiss() : d.accept());
    });
    await page.goto(server.pageUrl);
  }, 10 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('opens a copy of the bundled sample in the data folder; the thumbnail grid is one Tab stop moved by arrow keys', async () => {
    expect(copyRoot).toBe(join(dataDir, 'datasets', 'sample-dataset'));
    expect(fileHashes(copyRoot)).toEqual(bundledBefore);

    await page.getByTestId('sample-count').filter({ hasText: '36 images' }).waitFor({ timeout: 60_000 });
    await waitImagesLoaded(page, '[data-testid=sample-grid] img', 8);
    const grid = page.getByTestId('sample-grid');
    // Exactly one thumbnail is in the Tab order (the others are -1).
    expect(await grid.locator('a.thumb[tabindex="0"]').count()).toBe(1);
    expect(await grid.locator('a.thumb:not([tabindex="-1"])').count()).toBe(1);
    const focusedId = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.getAttribute('data-sample-id') ?? document.activeElement?.tagName ?? null);
    const ids = await grid.locator('a.thumb').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')));
    const columns = await grid.locator('.vgrid-cell').evaluateAll((els) => new Set(els.map((e) => (e as HTMLElement).style.transform.split(',')[0])).size);
    expect(columns).toBeGreaterThan(1);

    await grid.locator('a.thumb').first().focus();
    expect(await focusedId()).toBe(ids[0]);
    // One Tab leaves the grid (7,390 stops on the full dataset before); Shift+Tab comes back to it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('[data-testid=sample-grid]')))).toBe(false);
    await page.keyboard.press('Shift+Tab');
    expect(await focusedId()).toBe(ids[0]);
    await page.keyboard.press('ArrowRight');
    expect(await focusedId()).toBe(ids[1]);
    await page.keyboard.press('ArrowDown');
    expect(await focusedId()).toBe(ids[1 + columns]);
    await page.keyboard.press('ArrowLeft');
    expect(await focusedId()).toBe(ids[columns]);
    expect(await grid.locator('a.thumb[tabindex="0"]').count()).toBe(1);
    // End goes to the last photo, scrolling it into view (it was not rendered before).
    await page.keyboard.press('End');
    const all = (await api.datasets.samples({ datasetId, limit: 100, order: 'id' })).items.map((s) => s.id);
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-sample-id') === id, all[35]!);
    await page.keyboard.press('Home');
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-sample-id') === id, all[0]!);
    await screenshot(page, '40-grid-roving-focus');

    // Enter opens the photo; the focus lands on the sample page's heading.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/sample/${datasetId}/${all[1]}$`));
    await page.waitForFunction((id) => document.activeElement?.tagName === 'H2' && document.activeElement.textContent === id, all[1]!);
  });

  it('saves a painted mask into the copy, leaving the bundled sample byte-identical; the message wraps and the undo hint follows', async () => {
    const sampleId = (await api.datasets.samples({ datasetId, split: 'train', limit: 1 })).items[0]!.id;
    const file = join(copyRoot, 'annotations', 'trimaps', `${sampleId}.png`);
    const before = await petPixels(file, trimapPet);
    await page.goto(`${server.url}/#/sample/${datasetId}/${sampleId}`);
    await waitImagesLoaded(page, '.stage-photo', 1);
    await waitPainted(page, OVERLAY, sum(before));
    await page.keyboard.press('b');
    await page.keyboard.press(']');
    await strokeAcross(page, 0.05, 0.9, 0.04, 8);
    const painted = await paintedPixels(page, OVERLAY);
    expect(painted).toBeGreaterThan(sum(before) + 100);
    const hint = page.getByTestId('undo-state');
    expect(await hint.textContent()).toBe('Unsaved strokes can be undone.');
    await page.getByRole('button', { name: /Save mask/ }).click();
    const status = page.getByRole('status').filter({ hasText: `Saved to ${file}` });
    await status.waitFor();
    expect(await hint.textContent()).toBe('All edits are saved.');

    // The whole path is on screen: wrapped inside the side panel, nothing cut at its edge.
    const fit = await status.evaluate((el) => {
      const side = el.closest('.sample-side')!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return { overflow: el.scrollWidth - el.clientWidth, right: r.right - side.right, title: el.getAttribute('title'), text: el.textContent };
    });
    expect(fit.overflow).toBeLessThanOrEqual(0);
    expect(fit.right).toBeLessThanOrEqual(0.5);
    expect(fit.text).toContain(file);
    expect(fit.title).toBe(fit.text);
    await screenshot(page, '41-saved-into-copy');

    // The copy holds the edit (read back by sharp); the bundled folder is as it was, no .versions.
    const after = await petPixels(file, trimapPet);
    expect(sum(after)).toBe(painted);
    for (let i = 0; i < before.length; i++) if (before[i]) expect(after[i]).toBe(1);
    expect(existsSync(join(copyRoot, 'annotations', 'trimaps', '.versions', `${sampleId}.v1.png`))).toBe(true);
    expect(fileHashes(BUNDLED)).toEqual(bundledBefore);
    expect(existsSync(join(BUNDLED, 'annotations', 'trimaps', '.versions'))).toBe(false);
  });

  it('guards unsaved strokes on every way out: in-app links, the back button, reload and closing the tab', async () => {
    const sampleId = (await api.datasets.samples({ datasetId, split: 'train', limit: 2 })).items[1]!.id;
    const file = join(copyRoot, 'annotations', 'trimaps', `${sampleId}.png`);
    const onDisk = sum(await petPixels(file, trimapPet));
    const url = `${server.url}/#/sample/${datasetId}/${sampleId}`;
    await page.goto(`${server.url}/#/datasets/${datasetId}`);
    await page.goto(url);
    await waitImagesLoaded(page, '.stage-photo', 1);
    await waitPainted(page, OVERLAY, onDisk);
    await page.keyboard.press('b');
    await page.keyboard.press(']');
    await strokeAcross(page, 0.05, 0.9, 0.04, 8);
    const painted = await paintedPixels(page, OVERLAY);
    expect(painted).toBeGreaterThan(onDisk + 100);
    const dialog = page.getByRole('alertdialog', { name: 'Unsaved label edits' });

    // In-app link: held; "Stay" keeps the page and the strokes.
    await page.getByRole('link', { name: '← Dataset' }).click();
    await dialog.waitFor();
    expect(page.url()).toBe(url);
    await screenshot(page, '42-leave-dialog');
    await dialog.getByRole('button', { name: 'Stay' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(page.url()).toBe(url);
    expect(await paintedPixels(page, OVERLAY)).toBe(painted);

    // Back button: the move is put back, the page stays with its strokes. The dialog keeps the
    // keyboard inside it (Tab cycles its three buttons) and Escape means "stay".
    await page.evaluate(() => history.back());
    await dialog.waitFor();
    expect(page.url()).toBe(url);
    const focusedButton = () => page.evaluate(() => (document.activeElement?.closest('[role=alertdialog]') ? document.activeElement.textContent : null));
    expect(await focusedButton()).toBe('Save and leave');
    const seen: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      seen.push(await focusedButton());
    }
    expect(seen).toEqual(['Discard edits and leave', 'Stay', 'Save and leave']);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(page.url()).toBe(url);
    expect(await paintedPixels(page, OVERLAY)).toBe(painted);

    // Reload: the browser's own prompt (answered "stay" first, then "leave"); the draft written
    // meanwhile is offered back, and restoring it brings the strokes back.
    leaveAnswer = 'dismiss';
    dialogs.length = 0;
    await page.reload({ timeout: 1_000 }).catch(() => undefined);
    expect(dialogs).toEqual(['beforeunload']);
    expect(await paintedPixels(page, OVERLAY)).toBe(painted);
    // Closing the tab is asked about the same way (and stays when told to).
    await page.close({ runBeforeUnload: true });
    await sleep(300);
    expect(dialogs).toEqual(['beforeunload', 'beforeunload']);
    expect(page.isClosed()).toBe(false);
    leaveAnswer = 'accept';
    await page.reload();
    expect(dialogs).toEqual(['beforeunload', 'beforeunload', 'beforeunload']);
    const offer = page.getByTestId('draft-offer');
    await offer.waitFor();
    await waitPainted(page, OVERLAY, onDisk);
    await screenshot(page, '43-draft-offered');
    await offer.getByRole('button', { name: 'Restore them' }).click();
    await waitPainted(page, OVERLAY, painted);
    expect(await page.getByRole('button', { name: /Save mask/ }).isEnabled()).toBe(true);

    // "Discard edits and leave" goes, leaves the file as it was and drops the draft.
    await page.getByRole('link', { name: '← Dataset' }).click();
    await dialog.getByRole('button', { name: 'Discard edits and leave' }).click();
    await page.waitForURL(/#\/datasets\/\d+$/);
    expect(sum(await petPixels(file, trimapPet))).toBe(onDisk);
    await page.goto(url);
    await waitImagesLoaded(page, '.stage-photo', 1);
    await waitPainted(page, OVERLAY, onDisk);
    expect(await page.getByTestId('draft-offer').count()).toBe(0);

    // A nav bar link with "Save and leave": the file on disk gets the strokes, then the page goes.
    await page.keyboard.press('b');
    await page.keyboard.press(']');
    await strokeAcross(page, 0.05, 0.9, 0.04, 8);
    const again = await paintedPixels(page, OVERLAY);
    expect(again).toBeGreaterThan(onDisk + 100);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
    await dialog.getByRole('button', { name: 'Save and leave' }).click();
    await page.waitForURL(/#\/runs$/);
    expect(sum(await petPixels(file, trimapPet))).toBe(again);
    // Nothing is asked once the edits are saved.
    await page.goto(url);
    await waitPainted(page, OVERLAY, again);
    await page.getByRole('link', { name: '← Dataset' }).click();
    await page.waitForURL(/#\/datasets\/\d+$/);
  });

  it('shows the chosen run\u2019s prediction as a second overlay with its Dice; undoing an adoption returns Save to "Saved"', async () => {
    for (;;) {
      const r = await api.runs.get({ runId });
      if (r.status === 'completed') break;
      if (r.status === 'failed' || r.status === 'cancelled' || r.status === 'interrupted') throw new Error(`run ${runId} ${r.status}: ${r.error}`);
      await sleep(250);
    }
    const sampleId = (await api.datasets.samples({ datasetId, split: 'test', limit: 1 })).items[0]!.id;
    const label = await petPixels(join(copyRoot, 'annotations', 'trimaps', `${sampleId}.png`), trimapPet);
    await page.goto(`${server.url}/#/sample/${datasetId}/${sampleId}`);
    await waitImagesLoaded(page, '.stage-photo', 1);
    await waitPainted(page, OVERLAY, sum(label));

    // Not predicted yet: the editor says so and predicts the photo's split on request.
    await page.getByLabel('Prediction of').selectOption(String(runId));
    await page.getByTestId('prediction-missing').waitFor();
    await page.getByRole('button', { name: 'Predict the test split' }).click();
    const predPng = await (async () => {
      for (;;) {
        try {
          return (await api.predictions.mask({ runId, datasetId, sampleId })).png;
        } catch {
          await sleep(200);
        }
      }
    })();
    const pred = await petPixels(predPng, (v) => v >= 128);
    expect(sum(pred)).toBeGreaterThan(0);
    await waitPainted(page, PRED_OVERLAY, sum(pred));
    // The label overlay is still the label: nothing was adopted.
    expect(await paintedPixels(page, OVERLAY)).toBe(sum(label));
    let both = 0;
    for (let i = 0; i < label.length; i++) both += label[i]! & pred[i]!;
    const dice = (2 * both) / (sum(label) + sum(pred));
    await page.getByTestId('prediction-dice').filter({ hasText: `Dice with the label: ${dice.toFixed(3)}` }).waitFor();
    // Its own colour: the prediction canvas paints cyan, the label canvas orange.
    const colourOf = (sel: string) =>
      page.evaluate((sel) => {
        const c = document.querySelector(sel) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i]) return [d[i - 3], d[i - 2], d[i - 1]];
        return null;
      }, sel);
    expect(await colourOf(PRED_OVERLAY)).toEqual([0, 200, 255]);
    expect(await colourOf(OVERLAY)).toEqual([255, 170, 0]);
    await screenshot(page, '44-prediction-overlay');
    await page.getByLabel('Show prediction').uncheck();
    expect(await page.locator(PRED_OVERLAY).count()).toBe(0);
    await page.getByLabel('Show prediction').check();
    await waitPainted(page, PRED_OVERLAY, sum(pred));

    // Adopt, then undo: the label is back and Save says "Saved" (nothing to save).
    const saveButton = page.getByRole('button', { name: /^(Save mask|Saved)/ });
    expect(await saveButton.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Use prediction as label' }).click();
    await waitPainted(page, OVERLAY, sum(pred));
    await page.getByTestId('prediction-dice').filter({ hasText: 'Dice with the label: 1.000' }).waitFor();
    expect(await saveButton.textContent()).toMatch(/^Save mask/);
    expect(await saveButton.isEnabled()).toBe(true);
    await page.keyboard.press('Control+z');
    await waitPainted(page, OVERLAY, sum(label));
    expect(await saveButton.textContent()).toMatch(/^Saved/);
    expect(await saveButton.isDisabled()).toBe(true);
    expect(await page.getByTestId('undo-state').textContent()).toBe('Nothing to undo.');

    // The default export folder of the predicted masks is in the data folder.
    await page.goto(`${server.url}/#/predictions/${runId}/${datasetId}`);
    await page.getByTestId('prediction-card').first().waitFor();
    expect(await page.getByLabel('Folder').inputValue()).toBe(join(dataDir, 'exports', 'masks', `run-${runId}-test`));
  }, 120_000);

  it('resets the augmentation settings to their defaults and says that training squashes photos to squares', async () => {
    // A landscape or portrait photo of the sample (not square), previewed as squares.
    const items = (await api.datasets.samples({ datasetId, labeled: true, limit: 100 })).items;
    let sampleId = '';
    for (const s of items) {
      const d = await api.datasets.sample({ datasetId, sampleId: s.id });
      if (Math.abs(d.width - d.height) > d.width / 10) {
        sampleId = s.id;
        break;
      }
    }
    expect(sampleId).not.toBe('');
    await page.goto(`${server.url}/#/augment/${datasetId}/${sampleId}`);
    const note = page.getByTestId('augment-aspect-note');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/without keeping its aspect ratio/);
    await waitImagesLoaded(page, '[data-testid=augment-image]', 8);
    const sizes = await page.locator('[data-testid=augment-image]').evaluateAll((els) => els.map((e) => [(e as HTMLImageElement).naturalWidth, (e as HTMLImageElement).naturalHeight]));
    for (const [w, h] of sizes) expect(w).toBe(h);

    const defaults = augmentConfigSchema.parse({});
    const rotation = page.getByLabel('Geometric: Rotation limit (°)');
    const blurMax = page.getByLabel('Noise and blur: Blur kernel max');
    expect(Number(await rotation.inputValue())).toBe(defaults.geometric.rotateLimit);
    await rotation.focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    expect(Number(await rotation.inputValue())).not.toBe(defaults.geometric.rotateLimit);
    const flipOn = page.getByLabel('Flip on');
    await flipOn.setChecked(!(defaults.flip.p > 0));
    await blurMax.focus();
    await page.keyboard.press('Home');
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    expect(Number(await rotation.inputValue())).toBe(defaults.geometric.rotateLimit);
    expect(Number(await blurMax.inputValue())).toBe(defaults.noise.blurMax);
    expect(await flipOn.isChecked()).toBe(defaults.flip.p > 0);
    expect(Number(await page.getByLabel('Geometric probability').inputValue())).toBe(defaults.geometric.p);
    await screenshot(page, '45-augment-reset');
    expect(session.pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
