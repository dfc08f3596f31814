// Bad requests to the HTTP host get an HTTP answer that says what is wrong, never a dropped
// connection or a 500: a wrong method (405 + Allow), an oversized body (413, and the connection
// stays usable), a folder that is not a dataset, a garbage or gigantic mask PNG (400), a photo
// over the pixel limit behind a media URL (400 from its header), and a run on a dataset that is
// not there (refused before it is queued).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, type Envelope } from '../src/shared/contract';
import { startServer, type RunningServer } from '../src/server/index';
import { MAX_IMAGE_PIXELS } from '../src/engine/data/pixel-limit';
import { writeHugePng } from './helpers/huge-png';

const FIXTURE = resolve('tests/fixtures/oxford-mini');
const MAX_BODY = 64 * 1024 * 1024;

describe('HTTP host: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-bad-input-'));
  const roots = join(dir, 'datasets');
  const pets = join(roots, 'pets');
  const notDataset = join(roots, 'holiday-photos');
  const hugePng = join(dir, 'huge.png');
  // Within sharp's own default limit (268 MP): before the studio had one, this photo was decoded.
  const bigPhoto = join(dir, 'big-photo.png');
  let server: RunningServer;
  let datasetId: number;
  let sampleId: string;

  async function call(path: string, args: unknown): Promise<{ status: number; env: Envelope<unknown> }> {
    const res = await fetch(`${server.url}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: encodeWire(args),
    });
    return { status: res.status, env: decodeWire<Envelope<unknown>>(await res.text()) };
  }

  const errorOf = (env: Envelope<unknown>) => (env.ok ? 'answered ok' : `${env.error.code}: ${env.error.message}`);

  beforeAll(async () => {
    cpSync(FIXTURE, pets, { recursive: true });
    mkdirSync(notDataset, { recursive: true });
    writeFileSync(join(notDataset, 'beach.jpg'), readFileSync(join(FIXTURE, 'images/Abyssinian_192.jpg')));
    writeHugePng(hugePng, { width: 20000, height: 20000, channels: 1 });
    writeHugePng(bigPhoto, { width: 15000, height: 15000, channels: 3, value: [90, 120, 40] });
    mkdirSync(join(dir, 'renderer'), { recursive: true });
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>studio</title>');
    server = await startServer({ port: 0, dbPath: join(dir, 'data', 'studio.db'), staticDir: join(dir, 'renderer'), importRoots: [roots], openSample: false });
    const opened = await call('datasets/open', { path: pets });
    if (!opened.env.ok) throw new Error(errorOf(opened.env));
    datasetId = (opened.env.result as { dataset: { id: number } }).dataset.id;
    const page = await call('datasets/samples', { datasetId, split: 'train', limit: 1 });
    sampleId = (page.env as { result: { items: Array<{ id: string }> } }).result.items[0]!.id;
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 405 with Allow to a wrong method on an operation or a media path', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${server.url}/api/system/version`, { method, headers: { authorization: `Bearer ${server.token}` } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      const env = decodeWire<Envelope<unknown>>(await res.text());
      expect(errorOf(env)).toMatch(new RegExp(`${method} /api/system/version: operations are called with POST`));
    }
    const media = await fetch(`${server.url}/api/media/image?datasetId=${datasetId}&sampleId=${sampleId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(media.status).toBe(405);
    expect(media.headers.get('allow')).toBe('GET');
    await media.text();
  });

  it('answers 413 to a body over the limit, declared or streamed, and keeps serving', async () => {
    const big = Buffer.alloc(MAX_BODY + 1024, 0x20);
    const declared = await fetch(`${server.url}/api/system/version`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(errorOf(decodeWire<Envelope<unknown>>(await declared.text()))).toMatch(/request body over 67108864 bytes \(64 MiB\)/);

    // Chunked, no length given: refused once the limit is crossed. Raw http so the body can be
    // streamed in pieces; the answer must arrive as an answer, not as a reset.
    const streamed = await new Promise<{ status: number; body: string }>((done, fail) => {
      const req = request(`${server.url}/api/system/version`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => done({ status: res.statusCode!, body }));
      });
      req.on('error', fail);
      const piece = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < MAX_BODY / piece.length + 4) {
          sent++;
          if (!req.write(piece)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toMatch(/request body over/);

    const after = await call('system/version', {});
    expect(after.status).toBe(200);
  });

  it('answers 400, naming the folder, to a folder that is not a dataset', async () => {
    const r = await call('datasets/open', { path: notDataset });
    expect(errorOf(r.env)).toBe(
      `INVALID_ARGUMENT: ${notDataset}: not a dataset folder — expected images/ with annotations/trimaps/ (Oxford-IIIT Pet layout) or images/ with masks/`,
    );
    expect(r.status).toBe(400);
  });

  it('answers 400 to a garbage mask PNG and to a gigantic one (from its header, at once), keeping the mask', async () => {
    const maskFile = join(pets, 'annotations/trimaps', `${sampleId}.png`);
    const before = readFileSync(maskFile);

    const garbage = await call('datasets/saveMask', { datasetId, sampleId, png: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]) });
    expect(garbage.status).toBe(400);
    expect(errorOf(garbage.env)).toMatch(new RegExp(`INVALID_ARGUMENT: mask sent for ${sampleId}: not a readable image`));

    const huge = readFileSync(hugePng);
    expect(huge.length).toBeLessThan(1024 * 1024);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const bomb = await call('datasets/saveMask', { datasetId, sampleId, png: huge });
    const ms = performance.now() - t0;
    // The server runs in this process: its decode would show here (400 MB for this mask).
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 1024 * 1024);
    expect(bomb.status).toBe(400);
    expect(errorOf(bomb.env)).toBe(
      `INVALID_ARGUMENT: mask sent for ${sampleId}: image is 20000×20000 (400 megapixels), over the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
    );
    expect(ms).toBeLessThan(1000);
    expect(readFileSync(maskFile).equals(before)).toBe(true);
  });

  it('refuses a photo over the pixel limit behind the media and thumbnail routes from its header', async () => {
    // The user's photo was replaced by a gigantic one after the import.
    const photo = join(pets, 'images', `${sampleId}.jpg`);
    const original = readFileSync(photo);
    writeFileSync(photo, readFileSync(bigPhoto));
    try {
      for (const route of ['image', 'thumbnail']) {
        const rss0 = process.memoryUsage().rss;
        const t0 = performance.now();
        const res = await fetch(`${server.url}/api/media/${route}?datasetId=${datasetId}&sampleId=${sampleId}&size=64&token=${server.token}`);
        const ms = performance.now() - t0;
        expect(process.memoryUsage().rss - rss0, route).toBeLessThan(100 * 1024 * 1024);
        const env = decodeWire<Envelope<unknown>>(await res.text());
        expect(errorOf(env), route).toBe(`INVALID_ARGUMENT: ${photo}: image is 15000×15000 (225 megapixels), over the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
        expect(res.status, route).toBe(400);
        expect(ms, route).toBeLessThan(1000);
      }
    } finally {
      writeFileSync(photo, original);
    }
  });

  it('refuses runs.start on a dataset that is not there, or not a dataset, before queueing', async () => {
    const tiny = (data: string) => ({ data, model: 'unet', base: 4, size: 32, epochs: 1, batchSize: 2 });
    const missing = join(roots, 'not-there');
    const r1 = await call('runs/start', { config: tiny(missing) });
    expect(r1.status).toBe(400);
    expect(errorOf(r1.env)).toBe(`INVALID_ARGUMENT: ${missing}: dataset folder does not exist`);
    const r2 = await call('runs/start', { config: tiny(notDataset) });
    expect(r2.status).toBe(400);
    expect(errorOf(r2.env)).toMatch(new RegExp(`^INVALID_ARGUMENT: ${notDataset}: not a dataset folder`));
    const runs = await call('runs/list', {});
    expect(runs.env.ok && runs.env.result).toEqual([]);
  });
});
