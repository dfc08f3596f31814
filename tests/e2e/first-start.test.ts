// A new user's first minutes in a real Chromium against a real `seg-studio serve` with an empty
// data folder: the bundled sample dataset is already open (thumbnails shown without typing a
// path), the remembered list shows it with its counts, the download button is there, the browser
// offers no native folder dialog (typed path only), and the augmentation preview works on a
// sample photo. Prints the time from server start to the first augmentation preview shown.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { waitImagesLoaded } from './page-helpers';

describe.sequential('first start with an empty data folder', () => {
  let tmp: string;
  let server: StudioServer;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;
  let t0 = 0;

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-first-'));
    // The browser starts first so the measured time is the studio's, not Chromium's launch.
    session = await launchBrowser();
    page = session.page;
    t0 = performance.now();
    server = await startStudioServer({ dataDir: join(tmp, 'data'), datasetsRoot: tmp, openSample: true });
  }, 10 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('shows the sample dataset at once, with its counts, the download button, and no folder dialog', async () => {
    await page.goto(server.pageUrl);
    await page.getByTestId('sample-count').filter({ hasText: '36 images' }).waitFor({ timeout: 60_000 });
    const loaded = await waitImagesLoaded(page, '[data-testid=sample-grid] img', 8);
    const thumbsMs = performance.now() - t0;
    expect(loaded).toBeGreaterThanOrEqual(8);
    expect(await page.getByText('No dataset open yet').count()).toBe(0);
    expect(await page.getByLabel('Current dataset').locator('option').allTextContents()).toEqual(['sample-dataset (36)']);

    await page.getByText(/Remembered datasets \(1\)/).click();
    const counts = page.getByTestId('dataset-counts');
    expect(await counts.textContent()).toMatch(/^36 images \(\d+ train, \d+ valid, \d+ test\)$/);
    expect(await page.getByTestId('dataset-row').textContent()).toMatch(/last used/);
    await page.getByRole('button', { name: 'Download Oxford-IIIT Pet (≈ 800 MB)' }).waitFor();
    // In a browser the path is typed: the native dialog button exists only in the desktop app.
    expect(await page.getByRole('button', { name: 'Choose folder…' }).count()).toBe(0);
    await page.getByLabel('Dataset folder', { exact: true }).waitFor();
    expect(existsSync(join(tmp, 'data', 'sample-dataset-opened.json'))).toBe(true);
    await screenshot(page, '10-first-start');
    console.log(`first start: server start → sample thumbnails shown: ${(thumbsMs / 1000).toFixed(2)} s`);
  }, 3 * 60_000);

  it('previews augmentations of a sample photo', async () => {
    await page.locator('[data-testid=sample-grid] a.thumb').first().click();
    await page.waitForURL(/#\/sample\//);
    await page.getByRole('link', { name: 'Augmentation preview' }).click();
    await page.waitForURL(/#\/augment\//);
    const shown = await waitImagesLoaded(page, '[data-testid=augment-image]', 8);
    const previewMs = performance.now() - t0;
    expect(shown).toBe(8);
    await screenshot(page, '11-first-start-augment');
    console.log(`first start: server start → first augmentation preview shown: ${(previewMs / 1000).toFixed(2)} s`);
  }, 3 * 60_000);
});
