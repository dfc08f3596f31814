// The click tool of the label editor in a real Chromium against a real `seg-studio serve`:
// - with no click model yet the editor offers to train one from the labels, and the button
//   starts an interactive run (cancelled at once: a tiny click model is trained for the rest);
// - on a photo without a label (the fixture as an images/ + masks/ folder, one mask left out),
//   three clicks (the first inside the pet, the next two on the
//   largest error against the trimap, as the interactive-segmentation protocol places them; a
//   background click is a right click) give a mask whose IoU with the trimap is computed here
//   from the trimap PNG decoded by sharp and the overlay's pixels;
// - Ctrl+Z takes the third click back (its marker and its mask), the brush finishes the mask,
//   Save writes it, and the file read back by sharp holds exactly the pixels on screen;
// - the save's labeling effort is in the studio's SQLite file (3 clicks, 1 stroke, started from
//   the click model's run) and the dataset page shows the summary.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from './studio-server';
import { launchBrowser, screenshot, type BrowserSession } from './browser';
import { beginE2E, endE2E } from './e2e-lifecycle';
import { waitImagesLoaded } from './page-helpers';
import { studioApi, type TestApi } from './studio-api';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/oxford-mini');
const OVERLAY = '[data-testid=mask-overlay]';
/** The photo left without a mask, so the editor starts from an empty one. */
const STEM = 'american_bulldog_76';

/** The overlay's painted pixels as a 0/1 mask (the editor paints exactly the mask's pixels in fill mode). */
async function overlayMask(page: Page): Promise<Uint8Array> {
  const bytes = await page.evaluate(async (sel) => {
    for (let k = 0; k < 3; k++) await new Promise((r) => requestAnimationFrame(() => r(null)));
    const c = document.querySelector(sel) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const out: number[] = [];
    for (let i = 3; i < d.length; i += 4) out.push(d[i]! > 0 ? 1 : 0);
    return out;
  }, OVERLAY);
  return Uint8Array.from(bytes);
}

/** Chamfer (3-4) depth inside a region, the image edge counting as outside. */
function depth(inside: (i: number) => boolean, w: number, h: number): Float32Array {
  const d = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) d[i] = inside(i) ? 1e9 : 0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= w || y >= h ? 0 : d[y * w + x]!);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if (d[y * w + x]) d[y * w + x] = Math.min(d[y * w + x]!, at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4);
  for (let y = h - 1; y >= 0; y--)
    for (let x = w - 1; x >= 0; x--) if (d[y * w + x]) d[y * w + x] = Math.min(d[y * w + x]!, at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4);
  return d;
}

function deepest(d: Float32Array, w: number) {
  let best = 0;
  for (let i = 1; i < d.length; i++) if (d[i]! > d[best]!) best = i;
  return { x: best % w, y: Math.floor(best / w), depth: d[best]! };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return union ? inter / union : 1;
}

describe.sequential('click-to-segment in the label editor', () => {
  let tmp: string;
  let dataRoot: string;
  let server: StudioServer;
  let api: TestApi;
  let session: BrowserSession;
  let page: Page;
  let release: () => void = () => undefined;
  let datasetId = 0;
  let runId = 0;
  let truth: { width: number; height: number; pet: Uint8Array; trimap: Uint8Array };

  beforeAll(async () => {
    ({ release, tmp } = await beginE2E('seg-e2e-click-'));
    // An Oxford folder has a trimap for every photo; a folder of images/ and masks/ may have
    // photos without one. The masks are the trimaps' pet + border as 0/255.
    dataRoot = join(tmp, 'pets');
    cpSync(join(FIXTURE, 'images'), join(dataRoot, 'images'), { recursive: true });
    mkdirSync(join(dataRoot, 'masks'));
    for (const f of readdirSync(join(FIXTURE, 'annotations', 'trimaps'))) {
      if (f === `${STEM}.png`) continue;
      const { data: t, info: ti } = await sharp(join(FIXTURE, 'annotations', 'trimaps', f)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      const m = Buffer.from(t.map((v) => (v === 1 || v === 3 ? 255 : 0)));
      await sharp(m, { raw: { width: ti.width, height: ti.height, channels: 1 } }).png().toFile(join(dataRoot, 'masks', f));
    }
    const { data, info } = await sharp(join(FIXTURE, 'annotations', 'trimaps', `${STEM}.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    // Pet = the trimap's pet and border classes (1, 3), as training and evaluation read it.
    truth = { width: info.width, height: info.height, trimap: Uint8Array.from(data), pet: Uint8Array.from(data, (v) => (v === 1 || v === 3 ? 1 : 0)) };
    server = await startStudioServer({ dataDir: join(tmp, 'data'), datasetsRoot: tmp });
    api = studioApi(server);
    datasetId = (await api.datasets.open({ path: dataRoot })).dataset.id;
    session = await launchBrowser();
    page = session.page;
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(server.pageUrl);
  }, 10 * 60_000);

  afterAll(() => endE2E({ session, server, tmp, release }), 60_000);

  it('offers to train a click model when there is none, and the button starts an interactive run', async () => {
    await page.goto(`${server.url}/#/sample/${datasetId}/${STEM}`);
    await waitImagesLoaded(page, '.stage-photo', 1);
    const offer = page.getByTestId('no-click-model');
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Train a click model from the labels' }).click();
    const started = offer.getByRole('status').filter({ hasText: /Training run #\d+/ });
    await started.waitFor();
    const offered = Number(/#(\d+)/.exec((await started.textContent())!)![1]);
    const run = await api.runs.get({ runId: offered });
    expect(run.config).toMatchObject({ data: dataRoot, model: 'unet', base: 16, size: 256, interactive: { enabled: true } });
    await api.runs.cancel({ runId: offered });

    // The click model the rest of the test uses: UNet-8 at 64², a few epochs (seconds on a quiet machine).
    ({ runId } = await api.runs.start({
      name: 'e2e click model',
      config: { data: dataRoot, model: 'unet', base: 8, size: 64, epochs: 8, batchSize: 2, learningRate: 0.003, seed: 3, valFraction: 0.3, interactive: { enabled: true } },
    }));
    for (;;) {
      const r = await api.runs.get({ runId });
      if (r.status === 'completed') break;
      if (['failed', 'cancelled', 'interrupted'].includes(r.status)) throw new Error(`click model run ${runId} ${r.status}: ${r.error}`);
      await sleep(1000);
    }
  }, 10 * 60_000);

  it('three clicks segment the photo; undo takes a click back; the brush finishes it; save writes what is on screen and records the effort', async () => {
    const { width: w, height: h } = truth;
    // The run list refreshed on the run's epochs; the click model is chosen (the dataset's newest).
    await page.getByLabel('Click model').waitFor();
    expect(await page.getByLabel('Click model').inputValue()).toBe(String(runId));
    await page.keyboard.press('c');
    await expect.poll(() => page.getByRole('radio', { name: /Click/ }).getAttribute('aria-checked')).toBe('true');
    const box = async () => (await page.locator('.stage-inner').boundingBox())!;
    const clickAt = async (x: number, y: number, positive: boolean, n: number) => {
      const b = await box();
      await page.mouse.click(b.x + ((x + 0.5) / w) * b.width, b.y + ((y + 0.5) / h) * b.height, { button: positive ? 'left' : 'right' });
      await page.locator('[data-testid=click-markers] circle').nth(n - 1).waitFor();
      await page.waitForFunction((sel) => !document.body.textContent?.includes('Segmenting…'), OVERLAY);
      await expect.poll(async () => (await page.getByTestId('click-latency').count()) > 0).toBe(true);
    };

    const masks: Uint8Array[] = [];
    const ious: number[] = [];
    const clicks: Array<{ x: number; y: number; positive: boolean }> = [];
    // First click: the pet pixel farthest from the pet's edge; then the deepest point of the
    // larger error (missed pet → object click, pet where there is background → background click).
    let next = { ...deepest(depth((i) => truth.pet[i] === 1, w, h), w), positive: true };
    for (let k = 1; k <= 3; k++) {
      clicks.push({ x: next.x, y: next.y, positive: next.positive });
      await clickAt(next.x, next.y, next.positive, k);
      await expect.poll(async () => (await overlayMask(page)).some((v) => v)).toBe(true);
      const m = await overlayMask(page);
      masks.push(m);
      ious.push(iou(m, truth.pet));
      const fn = deepest(depth((i) => truth.trimap[i] === 1 && m[i] === 0, w, h), w);
      const fp = deepest(depth((i) => truth.trimap[i] === 2 && m[i] === 1, w, h), w);
      next = fn.depth >= fp.depth ? { ...fn, positive: true } : { ...fp, positive: false };
    }
    const latency = page.getByTestId('click-latency');
    const serverMs = Number(await latency.getAttribute('data-server-ms'));
    const roundTripMs = Number(await latency.getAttribute('data-round-trip-ms'));
    console.log(
      `IoU with the trimap after 1, 2, 3 clicks: ${ious.map((v) => v.toFixed(3)).join(', ')} ` +
        `(clicks ${clicks.map((c) => `${c.positive ? '+' : '−'}(${c.x},${c.y})`).join(' ')}); last click ${serverMs.toFixed(1)} ms in the studio, ${roundTripMs.toFixed(1)} ms until shown`,
    );
    expect(serverMs).toBeGreaterThan(0);
    expect(roundTripMs).toBeGreaterThanOrEqual(serverMs * 0.5);
    // The photo's own pixels: the first click's pixel is object in the first answer.
    expect(masks[0]![clicks[0]!.y * w + clicks[0]!.x]).toBe(1);
    await screenshot(page, '60-click-labeling-three-clicks');

    // Undo takes the third click back: its marker goes and the mask is the second answer again.
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('[data-testid=click-markers] circle').count()).toBe(2);
    expect(Buffer.from(await overlayMask(page)).equals(Buffer.from(masks[1]!))).toBe(true);

    // Finish with the brush: a stroke across the top rows adds object there.
    await page.keyboard.press('b');
    const b = await box();
    await page.mouse.move(b.x + b.width * 0.05, b.y + b.height * 0.03);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(b.x + b.width * (0.05 + 0.1 * i), b.y + b.height * 0.03);
    await page.mouse.up();
    const finished = await overlayMask(page);
    expect(finished.reduce((a, v) => a + v, 0)).toBeGreaterThan(masks[1]!.reduce((a, v) => a + v, 0));
    await screenshot(page, '61-click-labeling-finished-with-brush');

    await page.getByRole('button', { name: /Save mask/ }).click();
    const file = join(dataRoot, 'masks', `${STEM}.png`);
    await page.getByRole('status').filter({ hasText: `Saved to ${file}` }).waitFor();
    // The file, decoded by sharp: one band of 0/255 holding exactly the pixels shown.
    const header = await sharp(file).metadata();
    expect([header.width, header.height, header.channels]).toEqual([w, h, 1]);
    const { data: saved } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(new Set(saved)).toEqual(new Set([0, 255]));
    const savedPet = Uint8Array.from(saved, (v) => (v === 255 ? 1 : 0));
    expect(Buffer.from(savedPet).equals(Buffer.from(finished))).toBe(true);
    console.log(`saved mask: IoU with the trimap ${iou(savedPet, truth.pet).toFixed(3)}`);

    // The effort behind it, read from the studio's database file.
    const db = new BetterSqlite3(join(tmp, 'data', 'studio.db'), { readonly: true });
    let row: Record<string, number | string | null>;
    try {
      row = db.prepare(`SELECT e.* FROM label_effort e JOIN samples s ON s.id = e.sample_id WHERE s.stem = ?`).get(STEM) as typeof row;
    } finally {
      db.close();
    }
    // Three clicks made (one taken back is still work done), one brush stroke, started from the
    // click model; the saved mask differs from the model's last answer by the brush stroke.
    expect(row).toMatchObject({ clicks: 3, strokes: 1, source: 'interactive', source_run_id: runId, mask_path: file });
    let changed = 0;
    for (let i = 0; i < finished.length; i++) changed += finished[i] !== masks[1]![i] ? 1 : 0;
    expect(row.changed_pixels).toBe(changed);
    expect(row.seconds as number).toBeGreaterThan(0);

    await page.goto(`${server.url}/#/datasets/${datasetId}`);
    const effort = page.getByTestId('labeling-effort');
    await effort.waitFor();
    expect(await effort.getByTestId('effort-masks').textContent()).toBe('1');
    await screenshot(page, '62-click-labeling-effort-summary');
  }, 5 * 60_000);
});
