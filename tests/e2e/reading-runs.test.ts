// Reading a run and starting one, in a real Chromium against a real `seg-studio serve`: the New
// run form (the preset that fits the machine, field messages, presets that reset their fields,
// values kept across pages, the preset menu inside a 1024×700 window), live speed and time left
// (run page, runs table, window title) checked against how long the run really took, a queued
// run that names what it waits for, a confirmed cancel, training time that leaves out an idle
// gap, a resume that restarts the cosine (learning rates checked against the formula), the
// validation strip of a reopened run (checked against the file in the run folder), and legend
// markers in each run's own colour (checked on the rendered pixels).
//
// One server, one browser, three small runs on the 16-photo fixture.
import { cpSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { paintedPixels } from './page-helpers';
import { studioApi, type TestApi } from './studio-api';

const OXFORD = resolve(import.meta.dirname, '../fixtures/oxford-mini');

/** "1 min 5 s", "12 s", "4.5 s", "1 h 3 min" → seconds (the studio's fmtSeconds format). */
function parseSeconds(text: string): number {
  const t = text.trim();
  let m = /^(\d+) h (\d+) min$/.exec(t);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60;
  m = /^(\d+) min (\d+) s$/.exec(t);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = /^(\d+(?:\.\d+)?) s$/.exec(t);
  if (m) return Number(m[1]);
  throw new Error(`not a duration: "${text}"`);
}

/** The colours (r,g,b) of a rendered element's pixels, with how often each occurs. */
async function renderedColours(el: Locator): Promise<Array<[number, number, number]>> {
  const png = await el.screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < data.length; i += info.channels) out.push([data[i]!, data[i + 1]!, data[i + 2]!]);
  return out;
}

const hexRgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const near = (a: number[], b: number[], tol = 12) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

describe.sequential('reading and starting runs', () => {
  let tmp: string;
  let dataDir: string;
  let datasetDir: string;
  let server: StudioServer;
  let api: TestApi;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;
  let runA = 0;
  let runB = 0;

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-reading-'));
    datasetDir = join(tmp, 'pets');
    dataDir = join(tmp, 'data');
    cpSync(OXFORD, datasetDir, { recursive: true });
    server = await startStudioServer({ dataDir, datasetsRoot: tmp });
    api = studioApi(server);
    await api.datasets.open({ path: datasetDir });
    session = await launchBrowser({ width: 1024, height: 700 });
    page = session.page;
    await page.goto(server.pageUrl);
  }, 5 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('opens the New run form on a preset that fits the machine, inside a 1024×700 window', async () => {
    await page.goto(`${server.url}/#/new-run`);
    const preset = page.getByLabel('Preset');
    // No run measured yet: cpu-quick (UNet-16 at 128²), not the reference UNet-64 at 256².
    await page.getByTestId('preset-description').filter({ hasText: 'Opened on cpu-quick' }).waitFor();
    expect(await preset.inputValue()).toBe('cpu-quick');
    expect(await page.getByLabel('Base width').inputValue()).toBe('16');
    expect(await page.getByLabel('Input size (px)').inputValue()).toBe('128');
    // The menu and the whole page stay inside the window.
    const box = (await preset.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1024);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
    await screenshot(page, '40-run-form-1024');
  });

  it('words field messages after the field, refuses a seed of 1e99, and a preset resets every field it covers', async () => {
    await page.getByLabel('Base width').fill('abc');
    await page.locator('#run-base-error').filter({ hasText: /^Base width must be a number$/ }).waitFor();
    await page.getByLabel('Seed').fill('1e99');
    await page.locator('#run-seed-error').filter({ hasText: /^Seed must be at most 2147483647$/ }).waitFor();
    await page.getByLabel('Validation fraction').fill('5');
    await page.locator('#run-valFraction-error').filter({ hasText: 'Validation fraction must be less than 1' }).waitFor();
    expect(await page.getByRole('button', { name: 'Start run' }).isDisabled()).toBe(true);
    // The menu says the settings are no longer a preset's.
    expect(await page.getByLabel('Preset').inputValue()).toBe('');
    await screenshot(page, '41-run-form-messages');

    await page.getByLabel('Preset').selectOption('cpu-tiny');
    expect(await page.getByLabel('Preset').inputValue()).toBe('cpu-tiny');
    expect(await page.getByLabel('Base width').inputValue()).toBe('8');
    expect(await page.getByLabel('Seed').inputValue()).toBe('42');
    expect(await page.getByLabel('Validation fraction').inputValue()).toBe('0.1');
    expect(await page.locator('.field-error').count()).toBe(0);
    await page.getByTestId('preset-description').filter({ hasText: 'Smoke test' }).waitFor();
  });

  it('keeps the values typed when the user leaves the form and comes back (and after a reload)', async () => {
    await page.getByLabel('Name').fill('kept name');
    await page.getByLabel('Epochs', { exact: true }).fill('7');
    expect(await page.getByLabel('Preset').inputValue()).toBe('');
    await page.getByRole('link', { name: 'Runs', exact: true }).first().click();
    await page.waitForURL(/#\/runs$/);
    await page.goto(`${server.url}/#/new-run`);
    await page.getByLabel('Name').waitFor();
    expect(await page.getByLabel('Name').inputValue()).toBe('kept name');
    expect(await page.getByLabel('Epochs', { exact: true }).inputValue()).toBe('7');
    expect(await page.getByLabel('Base width').inputValue()).toBe('8');
    await page.reload();
    await page.getByLabel('Name').waitFor();
    expect(await page.getByLabel('Name').inputValue()).toBe('kept name');
    expect(await page.getByLabel('Epochs', { exact: true }).inputValue()).toBe('7');
  });

  it('shows speed and time left for the whole run (run page, runs table, window title), live, and close to the real time', async () => {
    // 9 training photos in batches of 2: 4 batches an epoch, so an epoch-only rate never warms up.
    ({ runId: runA } = await api.runs.start({
      name: 'eta',
      config: { data: datasetDir, model: 'unet', base: 4, size: 32, epochs: 12, batchSize: 2, learningRate: 0.003 },
    }));
    ({ runId: runB } = await api.runs.start({
      name: 'queued',
      config: { data: datasetDir, model: 'unet', base: 4, size: 32, epochs: 40, batchSize: 2, learningRate: 0.003 },
    }));

    await page.goto(`${server.url}/#/runs`);
    const rowA = page.locator(`tr[data-run-id="${runA}"]`);
    const rowB = page.locator(`tr[data-run-id="${runB}"]`);
    // The queued run names the run it waits for, and the device.
    await rowB.getByTestId('queued-note').filter({ hasText: `waiting for run #${runA} on the cpu` }).waitFor({ timeout: 60_000 });
    // The table follows the run without a reload: its epochs cell moves on while the page stays.
    const epochsCell = rowA.getByTestId('runs-table-epochs');
    await epochsCell.filter({ hasText: /^\d+\/12 · \d+%$/ }).waitFor({ timeout: 120_000 });
    const firstSeen = await epochsCell.textContent();
    await page.waitForFunction(
      ({ sel, first }) => {
        const t = document.querySelector(sel)?.textContent ?? '';
        return /^\d+\/12 · \d+%$/.test(t) && t !== first;
      },
      { sel: `tr[data-run-id="${runA}"] [data-testid=runs-table-epochs]`, first: firstSeen },
      { timeout: 60_000, polling: 100 },
    );
    const eta = (await rowA.getByTestId('runs-table-eta').textContent()) ?? '';
    expect(eta).toMatch(/^\d+\.\d img\/s · .+ left$/);
    expect(Number(/^(\d+\.\d)/.exec(eta)![1])).toBeGreaterThan(0);
    expect(await page.title()).toMatch(new RegExp(`^\\d+% · .+ left · #${runA} eta — Pet Segmentation Studio$`));
    await screenshot(page, '42-runs-live');

    // The queued run's own page says the same, with a link to the run it waits for.
    await page.goto(`${server.url}/#/runs/${runB}`);
    await page.getByRole('status').filter({ hasText: `waiting for run #${runA} on the cpu` }).waitFor();
    await page.getByRole('link', { name: `run #${runA}` }).click();
    await page.waitForURL(new RegExp(`#/runs/${runA}$`));
    await page.getByTestId('run-progress').waitFor();
    // Once two epochs are in and the page has seen a few batches, note the prediction and time it.
    await page.getByTestId('run-epochs').filter({ hasText: /^[3-8]\/12 epochs$/ }).waitFor({ timeout: 120_000 });
    await page.getByTestId('run-speed').filter({ hasText: /^\d+\.\d img\/s/ }).waitFor({ timeout: 30_000 });
    const speed = (await page.getByTestId('run-speed').textContent()) ?? '';
    expect(Number(/^(\d+\.\d) img\/s/.exec(speed)![1])).toBeGreaterThan(0);
    const runLeft = parseSeconds((await page.getByTestId('eta-run').textContent()) ?? '');
    const epochLeft = parseSeconds((await page.getByTestId('eta-epoch').textContent()) ?? '');
    const epochsBefore = (await api.runs.get({ runId: runA })).epochsCompleted;
    const t0 = Date.now();
    expect(runLeft).toBeGreaterThan(epochLeft);
    // Training time never exceeds the wall time since the start.
    const trainingNow = parseSeconds((await page.getByTestId('training-time').textContent()) ?? '');
    const wallNow = parseSeconds((await page.getByTestId('wall-time').textContent()) ?? '');
    expect(trainingNow).toBeLessThanOrEqual(wallNow + 1);
    expect(await page.title()).toMatch(new RegExp(`#${runA} eta`));
    await screenshot(page, '43-run-eta');
    await page.locator('.page-header .badge', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
    const actual = (Date.now() - t0) / 1000;
    // The estimate covers the whole run: within a factor of 2.5 of the time it really took
    // (an epoch-only estimate would be a fraction of it with several epochs to go).
    expect(12 - epochsBefore).toBeGreaterThanOrEqual(4);
    expect(runLeft).toBeGreaterThan(actual / 2.5);
    expect(runLeft).toBeLessThan(actual * 2.5 + 2);
    await page.waitForFunction(() => document.title === 'Pet Segmentation Studio' || /#\d+ queued/.test(document.title), null, { timeout: 30_000 });
  }, 6 * 60_000);

  it('asks before cancelling a run, and keeps it training when the user declines', async () => {
    await page.goto(`${server.url}/#/runs/${runB}`);
    await page.locator('.page-header .badge', { hasText: 'running' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('run-epochs').filter({ hasText: /^[1-9]\d*\/40 epochs$/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm cancelling the run' });
    await confirm.filter({ hasText: 'The epoch in progress is thrown away' }).waitFor();
    await screenshot(page, '44-cancel-confirm');
    await page.getByRole('button', { name: 'Keep training' }).click();
    await confirm.waitFor({ state: 'detached' });
    await sleep(1500);
    expect((await api.runs.get({ runId: runB })).status).toBe('running');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('button', { name: 'Yes, cancel the run' }).click();
    await page.locator('.page-header .badge', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
    expect((await api.runs.get({ runId: runB })).status).toBe('cancelled');
  }, 2 * 60_000);

  it('shows the validation predictions again when a finished run is reopened', async () => {
    await page.goto(`${server.url}/#/datasets`);
    await page.goto(`${server.url}/#/runs/${runA}`);
    await page.reload();
    const strip = page.getByTestId('run-previews');
    await strip.getByRole('heading', { name: 'Validation predictions after epoch 12' }).waitFor({ timeout: 20_000 });
    // Against the file in the run folder, decoded here: one tile per stored mask, same pet pixels.
    const detail = await api.runs.get({ runId: runA });
    const stored = JSON.parse(readFileSync(join(detail.runDir, 'preview.json'), 'utf8')) as { epoch: number; size: number; samples: Array<{ sampleId: string; mask: string }> };
    expect(stored.epoch).toBe(12);
    expect(stored.samples.length).toBeGreaterThan(0);
    const tiles = strip.locator('.preview-tile');
    expect(await tiles.count()).toBe(stored.samples.length);
    for (let i = 0; i < stored.samples.length; i++) {
      const bytes = Buffer.from(stored.samples[i]!.mask, 'base64');
      expect(bytes.length).toBe(stored.size * stored.size);
      const ones = bytes.reduce((a, v) => a + (v ? 1 : 0), 0);
      expect(await tiles.nth(i).locator('figcaption').textContent()).toContain(stored.samples[i]!.sampleId);
      expect(await paintedPixels(page, `[data-testid=run-previews] .preview-tile:nth-child(${i + 1}) canvas`)).toBe(ones);
    }
    await screenshot(page, '45-reopened-previews');
  });

  it('resumes with a restarted cosine when asked (planned curve, record, learning rates), and counts training time without the idle gap', async () => {
    const before = await api.runs.get({ runId: runA });
    const lr0 = before.config.learningRate;
    // 12 epochs from 0.003 to 0: the last one trained at lr0·(1 + cos(11π/12))/2.
    expect(before.metrics.at(-1)!.learningRate).toBeCloseTo((lr0 * (1 + Math.cos((11 * Math.PI) / 12))) / 2, 9);
    await page.getByLabel('Epochs to train to when resuming').fill('15');
    const planned = async (mode: string) => {
      const g = page.locator(`[data-testid=chart-lr] g[data-series="learning rate, planned if resumed (${mode})"]`);
      await g.waitFor();
      return g.locator('circle').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-x')), Number(e.getAttribute('data-y'))]));
    };
    // Stretch (the default) goes on along the 15-epoch cosine: epoch e at lr0·(1 + cos(π(e−1)/15))/2.
    const stretch = await planned('stretch');
    expect(stretch.map((p) => p[0])).toEqual([13, 14, 15]);
    stretch.forEach(([e, y]) => expect(y).toBeCloseTo((lr0 * (1 + Math.cos((Math.PI * (e! - 1)) / 15))) / 2, 9));
    await page.getByLabel('Learning-rate schedule when resuming').selectOption('restart');
    // Restart: a 3-epoch cosine of its own, from the peak.
    const restart = await planned('restart');
    restart.forEach(([e, y]) => expect(y).toBeCloseTo((lr0 * (1 + Math.cos((Math.PI * (e! - 13)) / 3))) / 2, 9));
    expect(restart[0]![1]).toBeCloseTo(lr0, 12);
    await screenshot(page, '46-resume-restart-planned');

    // An idle gap between the end of the run and the resume: training time must not count it.
    const gapSeconds = 4;
    await sleep(gapSeconds * 1000);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.page-header .badge', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('run-epochs').filter({ hasText: '15/15 epochs' }).waitFor();
    const after = await api.runs.get({ runId: runA });
    expect(after.config.scheduleStartEpoch).toBe(12);
    // The three new epochs: a 3-epoch cosine from the peak, t = 0, 1, 2.
    const want = [0, 1, 2].map((t) => (lr0 * (1 + Math.cos((Math.PI * t) / 3))) / 2);
    expect(after.metrics.slice(12).map((m) => m.learningRate)).toEqual(want.map((w) => expect.closeTo(w, 9)));
    await page.getByTestId('run-schedule').filter({ hasText: 'restarted at epoch 13' }).waitFor();

    const shown = parseSeconds((await page.getByTestId('training-time').textContent()) ?? '');
    const wall = parseSeconds((await page.getByTestId('wall-time').textContent()) ?? '');
    const sumEpochs = after.metrics.reduce((a, m) => a + m.seconds, 0);
    expect(Math.abs(shown - sumEpochs)).toBeLessThanOrEqual(Math.max(1, sumEpochs * 0.05));
    expect(wall - shown).toBeGreaterThanOrEqual(gapSeconds - 1);
    await page.getByRole('link', { name: '← Runs' }).click();
    const cell = page.locator(`tr[data-run-id="${runA}"]`).getByTestId('runs-table-training-time');
    expect(Math.abs(parseSeconds((await cell.textContent()) ?? '') - sumEpochs)).toBeLessThanOrEqual(Math.max(1, sumEpochs * 0.05));
    await screenshot(page, '47-resumed-restart');
  }, 4 * 60_000);

  it('gives each run one colour by id, whatever the order the boxes are ticked, and legends draw it', async () => {
    const compare = page.getByTestId('compare-charts');
    const legendColour = async (runId: number) => {
      const marker = compare.locator('.chart').first().locator('li', { hasText: `#${runId} ` }).locator('svg.legend-marker');
      const line = compare.locator('.chart').first().locator('g[data-series^="#' + runId + ' "] polyline');
      const stroke = (await line.getAttribute('stroke'))!;
      const px = await renderedColours(marker);
      // The marker's pixels carry the line's colour (not grey).
      expect(px.filter((c) => near(c, hexRgb(stroke))).length).toBeGreaterThan(10);
      return stroke;
    };
    await page.getByRole('checkbox', { name: `Compare run ${runB}` }).check();
    await page.getByRole('checkbox', { name: `Compare run ${runA}` }).check();
    await compare.locator('circle.chart-point').first().waitFor();
    const first = [await legendColour(runA), await legendColour(runB)];
    expect(first[0]).not.toBe(first[1]);
    await screenshot(page, '48-compare-colours');
    await page.getByRole('checkbox', { name: `Compare run ${runB}` }).uncheck();
    await page.getByRole('checkbox', { name: `Compare run ${runA}` }).uncheck();
    await page.getByRole('checkbox', { name: `Compare run ${runA}` }).check();
    await page.getByRole('checkbox', { name: `Compare run ${runB}` }).check();
    await compare.locator('circle.chart-point').first().waitFor();
    expect([await legendColour(runA), await legendColour(runB)]).toEqual(first);
    // The run page's marker for run A is the same colour.
    const tableMarker = page.locator(`tr[data-run-id="${runA}"] svg.legend-marker line`);
    expect(await tableMarker.getAttribute('stroke')).toBe(first[0]);
    await page.goto(`${server.url}/#/runs/${runA}`);
    const headMarker = page.locator('.page-header h2 svg.legend-marker');
    expect((await renderedColours(headMarker)).filter((c) => near(c, hexRgb(first[0]!))).length).toBeGreaterThan(10);
    // The run page's own legends show their lines' colours too.
    const diceLegend = page.getByTestId('chart-dice').locator('li', { hasText: 'train Dice' }).locator('svg.legend-marker');
    const diceStroke = (await page.getByTestId('chart-dice').locator('g[data-series="train Dice"] polyline').getAttribute('stroke'))!;
    expect((await renderedColours(diceLegend)).filter((c) => near(c, hexRgb(diceStroke))).length).toBeGreaterThan(10);
  });

  it('with runs measured, opens the form on the heaviest preset whose whole run the estimate puts within an hour', async () => {
    // The expected choice, worked out here from the service's estimates for each preset.
    const presets = await api.runs.presets();
    const totals: Array<{ name: string; seconds: number }> = [];
    for (const p of presets) {
      const cfg = { model: 'unet', base: 64, size: 256, epochs: 20, batchSize: 4, learningRate: 1e-3, ...p.config, data: datasetDir };
      try {
        const all = (await api.runs.estimateEpoch({ config: cfg })).secondsPerEpoch * (cfg.epochs as number);
        // A time-budget preset (cpu-10min) lasts its budget when its epochs would take longer.
        const budget = typeof cfg.minutes === 'number' ? cfg.minutes * 60 : Infinity;
        totals.push({ name: p.name, seconds: Math.min(all, budget) });
      } catch {
        /* no comparable history (ResNet34-UNet): not a candidate */
      }
    }
    const fitting = totals.filter((t) => t.seconds <= 3600).sort((a, b) => b.seconds - a.seconds);
    expect(fitting.length).toBeGreaterThan(0);
    const expected = fitting[0]!.name;
    expect(totals.find((t) => t.name === 'reference')!.seconds).toBeGreaterThan(3600);
    // A new tab's form (no values kept): the runs above measured this machine.
    await page.goto(`${server.url}/#/runs`);
    await page.evaluate(() => sessionStorage.removeItem('seg-studio:new-run-form'));
    await page.reload();
    await page.goto(`${server.url}/#/new-run`);
    await page.getByTestId('preset-description').filter({ hasText: `Opened on ${expected}: the heaviest preset whose whole run` }).waitFor({ timeout: 30_000 });
    expect(await page.getByLabel('Preset').inputValue()).toBe(expected);
    await screenshot(page, '49-run-form-measured');
    expect(session.pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
