// "Try several" in a real Chromium against a real `seg-studio serve`: the run form's settings
// with a grid of two learning rates start a sweep, its page ranks the two runs by the best valid
// Dice the API reports for each run (checked against the runs' own epochs), and "New run with the
// winner's settings" opens the run form holding the winner's learning rate.
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { studioApi, type TestApi } from './studio-api';

const OXFORD = resolve(import.meta.dirname, '../fixtures/oxford-mini');

describe.sequential('sweeps from the run form', () => {
  let tmp: string;
  let server: StudioServer;
  let api: TestApi;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-sweep-'));
    cpSync(OXFORD, join(tmp, 'pets'), { recursive: true });
    server = await startStudioServer({ dataDir: join(tmp, 'data'), datasetsRoot: tmp });
    api = studioApi(server);
    await api.datasets.open({ path: join(tmp, 'pets') });
    session = await launchBrowser({ width: 1280, height: 900 });
    page = session.page;
    await page.goto(server.pageUrl);
  }, 5 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('starts a sweep, ranks its runs, and opens the form with the winner’s settings', async () => {
    await page.goto(`${server.url}/#/new-run`);
    await page.getByLabel('Preset').selectOption('cpu-tiny');
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Max training images per epoch').fill('4');
    await page.getByTestId('try-several').locator('summary').click();
    await page.getByLabel('Grid').fill('lr=1e-3,3e-2');
    await page.getByLabel('Minutes each').fill('');
    await page.getByTestId('sweep-grid-check').filter({ hasText: '2 configurations' }).waitFor();
    await page.getByTestId('start-sweep').click();
    await page.waitForURL(/#\/sweeps\/\d+$/);
    const sweepId = Number(/#\/sweeps\/(\d+)$/.exec(page.url())![1]);
    await page.getByTestId('sweep-winner-run').waitFor({ timeout: 180_000 });
    await page.getByTestId('sweep-ranking').locator('tbody tr .badge-completed').nth(1).waitFor({ timeout: 180_000 });
    const shownRuns = await page.getByTestId('sweep-ranking').locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-run-id'))));
    const best = await Promise.all(shownRuns.map(async (runId) => Math.max(...(await api.runs.get({ runId })).metrics.map((m) => m.validDice))));
    expect(best[0]!).toBeGreaterThanOrEqual(best[1]!);
    const sweep = await api.sweeps.get({ sweepId });
    expect(sweep.ranking.map((r) => r.runId)).toEqual(shownRuns);
    await screenshot(page, '70-sweep-ranking');

    await page.getByTestId('sweep-winner-run').click();
    await page.waitForURL(/#\/new-run$/);
    expect(Number(await page.getByLabel('Learning rate', { exact: true }).inputValue())).toBe(sweep.winner!.config.learningRate);
    expect(await page.getByLabel('Name').inputValue()).toMatch(new RegExp(`^winner of sweep ${sweepId}: learningRate=`));
  }, 6 * 60_000);
});
