// The labeling queue in a real Chromium against a real `seg-studio serve`: the queue page lists
// the unlabeled photos in the order the API ranks them, naming the model version; the review tab
// draws each label's difference with the prediction over its photo (the overlay's red and blue
// pixels read back from the page); "Next" in
// the label editor opens the top of the queue.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { waitImagesLoaded } from './page-helpers';
import { studioApi, type TestApi } from './studio-api';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/oxford-mini');
/** Photos left without a label: the queue's "to label" list. */
const UNLABELED = ['Abyssinian_11', 'american_bulldog_76', 'Abyssinian_195', 'american_bulldog_151'];

describe('labeling queue in the browser', () => {
  let tmp: string;
  let server: StudioServer;
  let api: TestApi;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;
  let datasetId = 0;
  let runId = 0;

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-queue-'));
    const dataRoot = join(tmp, 'pets');
    cpSync(join(FIXTURE, 'images'), join(dataRoot, 'images'), { recursive: true });
    mkdirSync(join(dataRoot, 'masks'));
    for (const f of readdirSync(join(FIXTURE, 'annotations', 'trimaps'))) {
      if (UNLABELED.includes(f.replace(/\.png$/, ''))) continue;
      const { data: t, info: ti } = await sharp(join(FIXTURE, 'annotations', 'trimaps', f)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      await sharp(Buffer.from(t.map((v) => (v === 1 || v === 3 ? 255 : 0))), { raw: { width: ti.width, height: ti.height, channels: 1 } }).png().toFile(join(dataRoot, 'masks', f));
    }
    server = await startStudioServer({ dataDir: join(tmp, 'data'), datasetsRoot: tmp });
    api = studioApi(server);
    datasetId = (await api.datasets.open({ path: dataRoot })).dataset.id;
    ({ runId } = await api.runs.start({ name: 'e2e queue model', config: { data: dataRoot, model: 'unet', base: 4, size: 32, epochs: 2, batchSize: 4, seed: 1, augment: { enabled: false } } }));
    for (;;) {
      const r = await api.runs.get({ runId });
      if (r.status === 'completed') break;
      if (['failed', 'cancelled', 'interrupted'].includes(r.status)) throw new Error(`run ${runId} ${r.status}: ${r.error}`);
      await sleep(1000);
    }
    session = await launchBrowser();
    page = session.page;
    await page.goto(server.pageUrl);
  }, 10 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('lists the unlabeled photos most uncertain first, with the model version, and Next opens the top one', async () => {
    const q = await api.queue.get({ datasetId, kind: 'unlabeled' });
    expect(q.items.map((i) => i.sampleId).sort()).toEqual([...UNLABELED].sort());
    await page.goto(`${server.url}/#/queue/${datasetId}/unlabeled`);
    await waitImagesLoaded(page, '[data-testid=queue-card] img', UNLABELED.length);
    const shown = await page.locator('[data-testid=queue-card]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')));
    expect(shown).toEqual(q.items.map((i) => i.sampleId));
    const version = page.getByTestId('model-version');
    expect([await version.getAttribute('data-run-id'), await version.getAttribute('data-epoch')]).toEqual([String(runId), String(q.model.epoch)]);
    await screenshot(page, 'queue-unlabeled');

    // From a labeled photo, Next goes to the top of the queue.
    await page.goto(`${server.url}/#/sample/${datasetId}/Abyssinian_10`);
    await page.getByTestId('queue-next').click();
    await page.waitForFunction((h) => window.location.hash === h, `#/sample/${datasetId}/${encodeURIComponent(q.items[0]!.sampleId)}`, { timeout: 60_000 });
    // On the top photo itself, Next skips it.
    await page.getByTestId('queue-next').click();
    await page.waitForFunction((h) => window.location.hash === h, `#/sample/${datasetId}/${encodeURIComponent(q.items[1]!.sampleId)}`, { timeout: 60_000 });
  }, 180_000);

  it('review: each label with its difference against the prediction drawn over the photo', async () => {
    const r = await api.queue.get({ datasetId, kind: 'review' });
    expect(r.total).toBe(16 - UNLABELED.length);
    await page.goto(`${server.url}/#/queue/${datasetId}/review`);
    await waitImagesLoaded(page, '[data-testid=queue-diff]', r.items.length, 120_000);
    const shown = await page.locator('[data-testid=queue-card]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sample-id')));
    expect(shown).toEqual(r.items.map((i) => i.sampleId));
    // The top card's overlay, read back from the page: red = label only, blue = prediction only.
    const px = await page.locator('[data-testid=queue-diff]').first().evaluate(async (img: HTMLImageElement) => {
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let fn = 0;
      let fp = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        if (d[i]! > 200) fn++;
        else if (d[i + 2]! > 200) fp++;
      }
      return { w: c.width, fn, fp };
    });
    expect(px.w).toBe(32);
    const top = r.items[0]!;
    // Coloured pixels exactly when the label and prediction disagree (the exact Dice arithmetic of
    // the overlay is checked in tests/queue-service.test.ts against the label's own pixels).
    expect(px.fn + px.fp > 0).toBe(top.score > 0);
    expect(top.score).toBeGreaterThan(0);
    await screenshot(page, 'queue-review');
  }, 180_000);
});
