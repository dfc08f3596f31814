// Every operation of the contract through the HTTP host: refused without the token, answered
// with it, and refused when it names a path outside the opened datasets and the data folder.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, listOperations, type Envelope, type StudioEvent } from '../src/shared/contract';
import { startServer, type RunningServer } from '../src/server/index';
import { readBackMasks } from './helpers/mask-check';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { torchPython } from '../src/engine/bench/torch';

const FIXTURE = resolve('tests/fixtures/oxford-mini');

describe('HTTP host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-server-'));
  const dataDir = join(dir, 'data');
  const datasetCopy = join(dir, 'datasets', 'pets');
  const outside = mkdtempSync(join(tmpdir(), 'seg-outside-'));
  const staticDir = join(dir, 'renderer');
  let server: RunningServer;
  const events: StudioEvent[] = [];
  let ws: WebSocket;

  async function call<T = unknown>(path: string, args: unknown = {}, token: string | null = server.token): Promise<{ status: number; env: Envelope<T> }> {
    const res = await fetch(`${server.url}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: encodeWire(args),
    });
    return { status: res.status, env: decodeWire<Envelope<T>>(await res.text()) };
  }

  async function ok<T>(path: string, args: unknown = {}): Promise<T> {
    const { status, env } = await call<T>(path, args);
    if (!env.ok) throw new Error(`${path}: ${env.error.code} ${env.error.message}`);
    expect(status).toBe(200);
    return env.result;
  }

  async function waitForRun(runId: number, want: string[]): Promise<Record<string, unknown>> {
    for (let i = 0; i < 600; i++) {
      const run = await ok<{ status: string }>('runs/get', { runId });
      if (want.includes(run.status)) return run;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`run ${runId} never reached ${want.join('/')}`);
  }

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
    // Mask edits write into the dataset: work on a copy, never on the fixture.
    cpSync(FIXTURE, datasetCopy, { recursive: true });
    server = await startServer({ port: 0, dbPath: join(dataDir, 'studio.db'), staticDir, importRoots: [join(dir, 'datasets')] });
    ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/events?token=${server.token}`);
    ws.on('message', (data) => events.push(decodeWire<StudioEvent>(String(data))));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
  });

  afterAll(async () => {
    ws?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('listens on loopback and serves the renderer without a token', async () => {
    expect(server.host).toBe('127.0.0.1');
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>studio</title>');
    const traversal = await fetch(`${server.url}/..%2f..%2f..%2fetc%2fpasswd`);
    expect(await traversal.text()).not.toContain('root:');
  });

  it('refuses every operation without the token or with a wrong one', async () => {
    for (const { domain, op } of listOperations()) {
      const none = await call(`${domain}/${op}`, {}, null);
      expect(none.status, `${domain}.${op}`).toBe(401);
      expect(none.env.ok).toBe(false);
      const wrong = await call(`${domain}/${op}`, {}, 'not-the-token');
      expect(wrong.status, `${domain}.${op}`).toBe(401);
    }
    const media = await fetch(`${server.url}/api/media/thumbnail?datasetId=1&sampleId=x`);
    expect(media.status).toBe(401);
    const badWs = new WebSocket(`${server.url.replace('http', 'ws')}/api/events?token=nope`);
    await expect(new Promise((r, j) => (badWs.once('open', r), badWs.once('error', j)))).rejects.toThrow(/401/);
  });

  it('rejects unknown operations and bad arguments with codes', async () => {
    const unknown = await call('system/nope');
    expect(unknown.status).toBe(404);
    expect(!unknown.env.ok && unknown.env.error.code).toBe('UNKNOWN_OPERATION');
    const bad = await call('runs/get', { runId: 'seven' });
    expect(bad.status).toBe(400);
    expect(!bad.env.ok && bad.env.error.code).toBe('INVALID_ARGUMENT');
  });

  it('answers the system domain', async () => {
    const version = await ok<{ app: string; node: string }>('system/version');
    expect(version.app).toBe('0.1.0');
    expect(version.node).toBe(process.versions.node);
    const device = await ok<{ cpus: number }>('system/device');
    expect(device.cpus).toBeGreaterThan(0);
    const folder = await ok<{ dataFolder: string; dbPath: string }>('system/dataFolder');
    expect(folder.dataFolder).toBe(dataDir);
    const backends = await ok<Array<{ name: string; available: boolean }>>('system/backends');
    expect(backends.some((b) => b.name === 'cpu' && b.available)).toBe(true);
  });

  let datasetId = 0;
  let sampleId = '';

  it('opens datasets only inside the allowed roots, and browses them', async () => {
    const refused = await call('datasets/open', { path: FIXTURE });
    expect(refused.status).toBe(403);
    expect(!refused.env.ok && refused.env.error.code).toBe('PATH_REFUSED');

    const opened = await ok<{ dataset: { id: number; counts: Record<string, number> } }>('datasets/open', { path: datasetCopy });
    datasetId = opened.dataset.id;
    expect(opened.dataset.counts.train).toBeGreaterThan(0);
    expect(events.some((e) => e.event === 'dataset:import-progress')).toBe(true);

    const list = await ok<Array<{ id: number }>>('datasets/list');
    expect(list.map((d) => d.id)).toContain(datasetId);

    const page = await ok<{ total: number; items: Array<{ id: string; split: string }> }>('datasets/samples', { datasetId, split: 'train', limit: 2 });
    expect(page.items.length).toBeLessThanOrEqual(2);
    expect(page.total).toBe(opened.dataset.counts.train);
    expect(page.items.every((i) => i.split === 'train')).toBe(true);
    const page2 = await ok<{ items: Array<{ id: string }> }>('datasets/samples', { datasetId, split: 'train', limit: 2, offset: 2 });
    expect(page2.items.map((i) => i.id)).not.toContain(page.items[0]!.id);
    sampleId = page.items[0]!.id;

    const detail = await ok<{ imagePath: string; width: number; height: number }>('datasets/sample', { datasetId, sampleId });
    expect(detail.imagePath.startsWith(datasetCopy)).toBe(true);

    const thumb = await ok<Uint8Array>('datasets/thumbnail', { datasetId, sampleId, size: 64 });
    expect([thumb[0], thumb[1]]).toEqual([0xff, 0xd8]);
    const meta = await sharp(thumb).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(64);

    const img = await fetch(`${server.url}/api/media/image?datasetId=${datasetId}&sampleId=${encodeURIComponent(sampleId)}&token=${server.token}`);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect((await sharp(Buffer.from(await img.arrayBuffer())).metadata()).width).toBe(detail.width);
  });

  it('reads and saves masks atomically, keeping the previous version', async () => {
    const mask = await ok<{ width: number; height: number; png: Uint8Array }>('datasets/readMask', { datasetId, sampleId });
    const raw = await sharp(mask.png).extractChannel(0).raw().toBuffer();
    expect(new Set(raw).size).toBeLessThanOrEqual(2);
    // Invert the mask and save it.
    const inverted = Buffer.from(raw.map((v) => 255 - v));
    const png = await sharp(inverted, { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toBuffer();
    const saved = await ok<{ maskPath: string; previousVersion: string | null }>('datasets/saveMask', { datasetId, sampleId, png });
    expect(saved.previousVersion).not.toBeNull();
    expect(existsSync(saved.previousVersion!)).toBe(true);
    // The file on disk, read by PIL: a one-band trimap (1/2) that is exactly the old label inverted.
    const [file] = readBackMasks([{ mask: saved.maskPath, maskEncoding: 'trimap', truth: saved.previousVersion!, photo: join(datasetCopy, 'images', `${sampleId}.jpg`) }]).items;
    expect([file!.mode, file!.bands, file!.size, file!.values]).toEqual(['L', 1, file!.photoSize, [1, 2]]);
    expect(file!.dice).toBe(0);
    const again = await ok<{ png: Uint8Array }>('datasets/readMask', { datasetId, sampleId });
    expect(Buffer.compare(await sharp(again.png).extractChannel(0).raw().toBuffer(), inverted)).toBe(0);
    const wrongSize = await call('datasets/saveMask', { datasetId, sampleId, png: await sharp({ create: { width: 3, height: 3, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer() });
    expect(wrongSize.status).toBe(400);
  });

  it('previews augmentations', async () => {
    const r = await ok<{ items: Array<{ image: Uint8Array; mask: Uint8Array }> }>('datasets/augmentPreview', {
      datasetId,
      sampleId,
      augment: { enabled: true, flip: { p: 1 } },
      seed: 3,
      count: 2,
      size: 64,
    });
    expect(r.items).toHaveLength(2);
    for (const it of r.items) {
      expect((await sharp(it.image).metadata()).width).toBe(64);
      expect((await sharp(it.mask).metadata()).width).toBe(64);
    }
  });

  let runId = 0;
  const tiny = () => ({ data: datasetCopy, model: 'unet', base: 4, size: 32, epochs: 1, batchSize: 4, backend: 'cpu', seed: 1, augment: { enabled: false } });

  it('validates, starts, lists, resumes and estimates runs, with events over the socket', async () => {
    const presets = await ok<Array<{ name: string }>>('runs/presets');
    expect(presets.map((p) => p.name)).toContain('cpu-tiny');
    const invalid = await ok<{ valid: boolean; issues: Array<{ path: string }> }>('runs/validate', { config: { ...tiny(), size: 33 } });
    expect(invalid.valid).toBe(false);
    expect(invalid.issues[0]!.path).toBe('size');
    const refused = await call('runs/start', { config: { ...tiny(), size: 33 } });
    expect(refused.status).toBe(400);

    runId = (await ok<{ runId: number }>('runs/start', { config: tiny(), name: 'api test' })).runId;
    const done = await waitForRun(runId, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(events.some((e) => e.event === 'run:epoch' && e.payload.runId === runId)).toBe(true);
    expect(events.some((e) => e.event === 'run:progress' && e.payload.runId === runId)).toBe(true);
    expect(events.filter((e) => e.event === 'run:status' && e.payload.runId === runId).map((e) => (e.payload as { status: string }).status)).toEqual([
      'queued',
      'running',
      'completed',
    ]);

    const list = await ok<Array<{ id: number; bestValidDice: number }>>('runs/list');
    expect(list.find((r) => r.id === runId)?.bestValidDice).toBeGreaterThanOrEqual(0);
    const cancelDone = await ok<{ cancelled: boolean }>('runs/cancel', { runId });
    expect(cancelDone.cancelled).toBe(false);

    await ok('runs/resume', { runId, epochs: 2 });
    const resumed = await waitForRun(runId, ['completed', 'failed']);
    const detail = await ok<{ metrics: Array<{ epoch: number }>; status: string }>('runs/get', { runId });
    expect(resumed.status).toBe('completed');
    expect(detail.metrics.map((m) => m.epoch)).toEqual([1, 2]);

    const estimate = await ok<{ secondsPerEpoch: number; basis: string }>('runs/estimateEpoch', { config: tiny() });
    expect(estimate.basis).toBe('history');
    expect(estimate.secondsPerEpoch).toBeGreaterThan(0);
  });

  it('cancels a queued or running run', async () => {
    const { runId: id } = await ok<{ runId: number }>('runs/start', { config: { ...tiny(), epochs: 50 } });
    const c = await ok<{ cancelled: boolean }>('runs/cancel', { runId: id });
    expect(c.cancelled).toBe(true);
    const r = await waitForRun(id, ['cancelled', 'completed', 'failed']);
    expect(r.status).toBe('cancelled');
  });

  it('predicts a split and serves predicted masks', async () => {
    const pred = await ok<{ items: Array<{ sampleId: string; dice: number }>; meanDice: number }>('predictions/run', { runId, datasetId, split: 'valid' });
    expect(pred.items.length).toBeGreaterThan(0);
    for (const i of pred.items) expect(i.dice).toBeGreaterThanOrEqual(0);
    const listed = await ok<{ items: unknown[] }>('predictions/list', { runId, datasetId, split: 'valid' });
    expect(listed.items).toHaveLength(pred.items.length);
    const m = await ok<{ width: number; png: Uint8Array }>('predictions/mask', { runId, datasetId, sampleId: pred.items[0]!.sampleId });
    expect(m.width).toBeGreaterThan(0);
    const ordered = await ok<{ items: Array<{ predictedDice?: number }> }>('datasets/samples', { datasetId, split: 'valid', runId, order: 'dice-asc' });
    const dice = ordered.items.map((i) => i.predictedDice!);
    expect(dice).toEqual([...dice].sort((a, b) => a - b));
  });

  it('exports masks and models only into allowed folders', async () => {
    const target = join(dataDir, 'exports', 'masks');
    const res = await ok<{ files: number }>('exports/masks', { runId, datasetId, split: 'valid', folder: target, format: '0-1' });
    expect(res.files).toBeGreaterThan(0);
    expect(readdirSync(target)).toHaveLength(res.files);
    // Read back by PIL, not by the studio's own decoder: one grey band of 0/1 at the photo's size,
    // scoring the Dice the predictions reported.
    const predicted = await ok<{ items: Array<{ sampleId: string; dice: number }> }>('predictions/list', { runId, datasetId, split: 'valid' });
    const stems = readdirSync(target).map((f) => f.replace(/\.png$/, ''));
    const read = readBackMasks(
      stems.map((s) => ({ mask: join(target, `${s}.png`), truth: join(datasetCopy, 'annotations', 'trimaps', `${s}.png`), photo: join(datasetCopy, 'images', `${s}.jpg`) })),
    );
    for (const [i, m] of read.items.entries()) {
      expect([m.mode, m.bands, m.size], stems[i]).toEqual(['L', 1, m.photoSize]);
      expect(m.values.every((v) => v === 0 || v === 1), stems[i]).toBe(true);
      expect(m.dice).toBeCloseTo(predicted.items.find((p) => p.sampleId === stems[i])!.dice, 9);
    }
    expect(events.some((e) => e.event === 'export:progress')).toBe(true);

    const refused = await call('exports/masks', { runId, datasetId, split: 'valid', folder: outside, format: '0-255' });
    expect(refused.status).toBe(403);
    expect(!refused.env.ok && refused.env.error.code).toBe('PATH_REFUSED');
    const sneaky = await call('exports/model', { runId, folder: join(dataDir, '..', '..', 'escape') });
    expect(sneaky.status).toBe(403);
    expect(readdirSync(outside)).toHaveLength(0);

    const model = await ok<{ files: string[] }>('exports/model', { runId, folder: join(dataDir, 'exports', 'model') });
    expect(model.files).toContain('model.json');
    expect(model.files).not.toContain('optimizer.bin');
    // PyTorch: the reference UNet's state_dict, which torch itself loads strictly (weights_only).
    const pth = await ok<{ files: string[]; format: string }>('exports/model', { runId, folder: join(dataDir, 'exports', 'pytorch'), format: 'pytorch' });
    expect(pth).toMatchObject({ files: ['model.pth'], format: 'pytorch' });
    // Asynchronously: the server answers from this same process, so its event loop must keep running.
    const torchLoad = await promisify(execFile)(torchPython(), ['-c', [
      'import sys, torch', `sys.path.insert(0, ${JSON.stringify(resolve('scripts'))})`, 'import torch_reference_models as ref',
      'net = ref.build("unet", 4)', 'net.load_state_dict(torch.load(sys.argv[1], weights_only=True), strict=True)', 'print(len(net.state_dict()))',
    ].join('\n'), join(dataDir, 'exports', 'pytorch', 'model.pth')], { encoding: 'utf8' }); // rejects with torch's error
    expect(torchLoad.stdout.trim()).toBe('118');
    expect((await call('exports/model', { runId, folder: join(dataDir, 'exports', 'pytorch'), format: 'pytorch' })).status).toBe(409);
  });

  it('forgets a dataset', async () => {
    expect((await ok<{ removed: boolean }>('datasets/remove', { datasetId })).removed).toBe(true);
    const gone = await call('datasets/sample', { datasetId, sampleId });
    expect(gone.status).toBe(404);
  });
});
