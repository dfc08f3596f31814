// The "getting data in" services on a real SQLite file in a temp folder and real files: the
// bundled sample opened on first start exactly once (and not again after removal), removal that
// keeps every file, relocation of a moved dataset keeping its id and its runs' links, the folder
// picker's availability, and a full download through the service from a 127.0.0.1 HTTP server
// serving tar.gz archives made from resources/sample-dataset.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ok } from './helpers/dispatch';
import { sampleDatasetDir } from '../src/engine/data/resolve-data-path';
import { SAMPLE_FLAG_FILE } from '../src/services/datasets-service';
import { createStudioServices, type StudioServices, type StudioServicesOptions } from '../src/services/studio-services';
import { parseRunConfig } from '../src/shared/run-config';
import type { DatasetSummary, Envelope, StudioEvent, StudioEvents } from '../src/shared/contract';

const SAMPLE = sampleDatasetDir();
const GENERIC = resolve(import.meta.dirname, 'fixtures/generic-mini');

/** Every file under a folder with its size and mtime, to show nothing was deleted or touched. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${relative(root, p)} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  walk(root);
  return out.sort();
}

const total = (d: DatasetSummary) => d.counts.train + d.counts.valid + d.counts.test + d.counts.unlabeled;

let tmp: string;
const open: StudioServices[] = [];
function services(extra: Partial<StudioServicesOptions> = {}): StudioServices {
  const s = createStudioServices({ dbPath: join(tmp, 'data', 'studio.db'), recover: false, ...extra });
  open.push(s);
  return s;
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'svc-datasets-'));
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('sample dataset on first start', () => {
  it('is opened once, is not opened again after removal, and removal keeps its files', async () => {
    const before = snapshot(SAMPLE);
    const first = services({ openSampleOnFirstStart: true });
    const events: StudioEvent[] = [];
    first.bus.subscribe((e) => events.push(e));
    // The first list waits for the background import, so a new user's first screen has photos.
    const list = await ok<DatasetSummary[]>(first, 'datasets', 'list');
    expect(list).toHaveLength(1);
    // A copy in the data folder: the bundled folder is read-only in a packaged app.
    expect(list[0]!.root).toBe(join(tmp, 'data', 'datasets', 'sample-dataset'));
    expect(list[0]!.layout).toBe('oxford');
    expect(total(list[0]!)).toBe(36);
    expect(list[0]!.missing).toBe(false);
    expect(events.some((e) => e.event === 'dataset:import-progress')).toBe(true);
    const flag = JSON.parse(readFileSync(join(tmp, 'data', SAMPLE_FLAG_FILE), 'utf8')) as { outcome: string; datasetId: number };
    expect(flag).toMatchObject({ outcome: 'opened', datasetId: list[0]!.id });
    first.close();

    // Second start: nothing is re-imported (same row, same creation time).
    const second = services({ openSampleOnFirstStart: true });
    const again = await ok<DatasetSummary[]>(second, 'datasets', 'list');
    expect(again.map((d) => [d.id, d.createdAt])).toEqual([[list[0]!.id, list[0]!.createdAt]]);
    expect(await second.datasets.openSampleOnFirstStart()).toBe('done-before');

    // Browsing the sample works (thumbnail made from the bundled photo).
    const page = await ok<{ items: Array<{ id: string }> }>(second, 'datasets', 'samples', { datasetId: list[0]!.id, limit: 1 });
    const thumb = await ok<Uint8Array>(second, 'datasets', 'thumbnail', { datasetId: list[0]!.id, sampleId: page.items[0]!.id, size: 64 });
    expect(thumb[0]).toBe(0xff); // JPEG

    expect((await ok<{ removed: boolean }>(second, 'datasets', 'remove', { datasetId: list[0]!.id })).removed).toBe(true);
    expect(await ok<DatasetSummary[]>(second, 'datasets', 'list')).toEqual([]);
    second.close();

    const third = services({ openSampleOnFirstStart: true });
    expect(await ok<DatasetSummary[]>(third, 'datasets', 'list')).toEqual([]);
    // Removing forgot the dataset only: every file of it is still there, unchanged.
    expect(snapshot(SAMPLE)).toEqual(before);
  }, 120_000);

  it('is not opened when the store already has datasets, and not by services that did not ask', async () => {
    const plain = services();
    expect(await ok<DatasetSummary[]>(plain, 'datasets', 'list')).toEqual([]);
    expect(existsSync(join(tmp, 'data', SAMPLE_FLAG_FILE))).toBe(false);
    const own = join(tmp, 'mine');
    cpSync(GENERIC, own, { recursive: true });
    await ok(plain, 'datasets', 'open', { path: own });
    plain.close();

    const s = services({ openSampleOnFirstStart: true });
    const list = await ok<DatasetSummary[]>(s, 'datasets', 'list');
    expect(list.map((d) => d.root)).toEqual([own]);
    expect(JSON.parse(readFileSync(join(tmp, 'data', SAMPLE_FLAG_FILE), 'utf8')).outcome).toBe('not-needed');
  }, 60_000);
});

describe('a dataset whose folder moved', () => {
  it('is flagged missing and relocated keeping its id, samples, predictions and runs', async () => {
    const s = services();
    const oldRoot = join(tmp, 'pets-old');
    cpSync(SAMPLE, oldRoot, { recursive: true });
    const { dataset } = await ok<{ dataset: DatasetSummary }>(s, 'datasets', 'open', { path: oldRoot });
    const run = s.store.runs.create({ name: 'r', config: parseRunConfig({ data: oldRoot }), runDirFor: (id) => join(tmp, 'runs', String(id)) });
    const valid = s.store.datasets.samplesOfSplit(dataset.id, 'valid');
    s.store.predictions.save(run.id, dataset.id, 'valid', [{ sampleId: valid[0]!.id, dice: 0.75, maskPath: join(tmp, 'p.png') }]);

    const newRoot = join(tmp, 'moved', 'pets');
    mkdirSync(join(tmp, 'moved'));
    renameSync(oldRoot, newRoot);
    const listed = await ok<DatasetSummary[]>(s, 'datasets', 'list');
    expect(listed.find((d) => d.id === dataset.id)!.missing).toBe(true);

    // A folder that is not this dataset is refused, and nothing changes.
    const wrong = await s.dispatch('datasets', 'relocate', { datasetId: dataset.id, newPath: GENERIC });
    expect(!wrong.ok && wrong.error.code).toBe('INVALID_ARGUMENT');
    expect(!wrong.ok && wrong.error.message).toMatch(/does not look like the moved/);

    const r = await ok<{ dataset: DatasetSummary }>(s, 'datasets', 'relocate', { datasetId: dataset.id, newPath: newRoot });
    expect(r.dataset.id).toBe(dataset.id);
    expect(r.dataset.root).toBe(newRoot);
    expect(total(r.dataset)).toBe(total(dataset));
    const after = await ok<DatasetSummary[]>(s, 'datasets', 'list');
    expect(after.map((d) => [d.id, d.root, d.missing])).toEqual([[dataset.id, newRoot, false]]);
    expect(s.store.runs.get(run.id)!.datasetPath).toBe(newRoot);
    expect(s.store.predictions.list(run.id, dataset.id, 'valid').map((p) => [p.sampleId, p.dice])).toEqual([[valid[0]!.id, 0.75]]);
    const detail = await ok<{ imagePath: string }>(s, 'datasets', 'sample', { datasetId: dataset.id, sampleId: valid[0]!.id });
    expect(detail.imagePath.startsWith(newRoot)).toBe(true);

    const unknown = await s.dispatch('datasets', 'relocate', { datasetId: 9999, newPath: newRoot });
    expect(!unknown.ok && unknown.error.code).toBe('NOT_FOUND');
  }, 60_000);
});

describe('system.pickFolder', () => {
  it('answers NOT_AVAILABLE without a dialog and the chosen folder (or null) with one', async () => {
    const none = services();
    const env = await none.dispatch('system', 'pickFolder', {});
    expect(!env.ok && env.error.code).toBe('NOT_AVAILABLE');
    none.close();
    const asked: Array<{ title?: string }> = [];
    let answer: string | null = '/chosen/folder';
    const withDialog = services({ pickFolder: async (o) => (asked.push(o), answer) });
    expect(await ok(withDialog, 'system', 'pickFolder', { title: 'Pick' })).toEqual({ path: '/chosen/folder' });
    answer = null;
    expect(await ok(withDialog, 'system', 'pickFolder')).toEqual({ path: null });
    expect(asked.map((a) => a.title)).toEqual(['Pick', undefined]);
  });
});

describe('datasets.download from a local server', () => {
  let server: Server;
  let base = '';
  let archives: string;
  const hits: string[] = [];

  beforeAll(async () => {
    archives = mkdtempSync(join(tmpdir(), 'svc-archives-'));
    // The official archives hold images/ and annotations/ at their top; so do these.
    execFileSync('tar', ['czf', join(archives, 'images.tar.gz'), '-C', SAMPLE, 'images']);
    execFileSync('tar', ['czf', join(archives, 'annotations.tar.gz'), '-C', SAMPLE, 'annotations']);
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const file = join(archives, (req.url ?? '').replace(/^\/+/, ''));
      if (req.url === '/slow/images.tar.gz') {
        // Sends a first chunk, then stalls: the download is under way until cancelled.
        const body = readFileSync(join(archives, 'images.tar.gz'));
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
        res.write(body.subarray(0, 4096));
        req.on('close', () => res.destroy());
        return;
      }
      if (!/^\/(images|annotations)\.tar\.gz$/.test(req.url ?? '') || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(archives, { recursive: true, force: true });
  });

  it('downloads, reports progress, remembers the dataset, and asks before overwriting', async () => {
    const s = services();
    const progress: Array<StudioEvents['dataset:download-progress']> = [];
    s.bus.on('dataset:download-progress', (p) => progress.push(p));
    const urls = { images: `${base}/images.tar.gz`, annotations: `${base}/annotations.tar.gz` };
    const dest = join(tmp, 'pets');
    const r = await ok<{ dataset: DatasetSummary; images: number; dest: string; replacedExisting: boolean }>(s, 'datasets', 'download', { dest, urls });
    expect(r.dest).toBe(dest);
    expect(r.images).toBe(36);
    expect(r.replacedExisting).toBe(false);
    expect(r.dataset.root).toBe(dest);
    expect(total(r.dataset)).toBe(36);
    expect(hits).toContain('/images.tar.gz');
    expect(hits).toContain('/annotations.tar.gz');
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['download', 'verify', 'extract', 'import']));
    for (const p of progress) {
      expect(p.dest).toBe(dest);
      expect(p.bytes).toBeGreaterThanOrEqual(0);
      expect(p.rate).toBeGreaterThanOrEqual(0);
      expect(p.etaSeconds === null || p.etaSeconds >= 0).toBe(true);
    }
    const finished = progress.filter((p) => p.phase === 'download' && p.total !== null && p.bytes === p.total);
    expect(finished.map((p) => p.file).sort()).toEqual(['annotations.tar.gz', 'images.tar.gz']);
    const listed = await ok<DatasetSummary[]>(s, 'datasets', 'list');
    expect(listed.map((d) => d.id)).toEqual([r.dataset.id]);
    expect(readdirSync(join(dest, 'images'))).toHaveLength(36);

    // Already there: a clear CONFLICT naming the folder, nothing downloaded.
    const n = hits.length;
    const again = await s.dispatch('datasets', 'download', { dest, urls });
    expect(!again.ok && again.error.code).toBe('CONFLICT');
    expect(!again.ok && again.error.message).toContain(dest);
    expect(hits.length).toBe(n);
    // The UI's retry with overwrite replaces it and keeps the remembered dataset's id.
    const replaced = await ok<{ dataset: DatasetSummary; replacedExisting: boolean }>(s, 'datasets', 'download', { dest, urls, overwrite: true });
    expect(replaced.replacedExisting).toBe(true);
    expect(replaced.dataset.id).toBe(r.dataset.id);

    // A dataset folder the user made (no download manifest): overwrite is a CONFLICT, every file stays.
    const own = join(tmp, 'own');
    cpSync(dest, own, { recursive: true });
    rmSync(join(own, '.seg-studio-download.json'));
    const bytesBefore = readdirSync(join(own, 'images')).map((f) => readFileSync(join(own, 'images', f)));
    const m = hits.length;
    const refused = await s.dispatch('datasets', 'download', { dest: own, urls, overwrite: true });
    expect(!refused.ok && refused.error.code).toBe('CONFLICT');
    expect(!refused.ok && refused.error.message).toContain(`${own} holds images/ and annotations/ that no seg-studio download created`);
    expect(hits.length).toBe(m);
    expect(readdirSync(join(own, 'images')).map((f) => readFileSync(join(own, 'images', f)))).toEqual(bytesBefore);
  }, 120_000);

  it('names the failing source, remembers nothing, and over HTTP refuses outside folders and non-http URLs', async () => {
    const s = services();
    const bad = await s.dispatch('datasets', 'download', { dest: join(tmp, 'x'), urls: { images: `${base}/nope.tar.gz`, annotations: `${base}/annotations.tar.gz` } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toContain('nope.tar.gz');
    expect(await ok<DatasetSummary[]>(s, 'datasets', 'list')).toEqual([]);
    s.close();

    const host = services({ importRoots: [join(tmp, 'allowed')] });
    const outside = await host.dispatch('datasets', 'download', { dest: join(tmp, 'elsewhere'), urls: { images: `${base}/images.tar.gz` } });
    expect(!outside.ok && outside.error.code).toBe('PATH_REFUSED');
    const local = await host.dispatch('datasets', 'download', { dest: join(tmp, 'allowed', 'p'), urls: { images: join(tmp, 'images.tar.gz') } });
    expect(!local.ok && local.error.code).toBe('PATH_REFUSED');
    expect(existsSync(join(tmp, 'elsewhere'))).toBe(false);
  }, 60_000);

  it('cancels a running download: CANCELLED, nothing remembered, a second download meanwhile is CONFLICT', async () => {
    const s = services();
    const dest = join(tmp, 'slow');
    const started = new Promise<void>((r) => s.bus.on('dataset:download-progress', (p) => p.phase === 'download' && r()));
    const running = s.dispatch('datasets', 'download', { dest, urls: { images: `${base}/slow/images.tar.gz`, annotations: `${base}/annotations.tar.gz` } });
    await started;
    // Let the first chunk arrive, so the cancel lands on a stalled transfer, not on its start.
    await new Promise((r) => setTimeout(r, 300));
    const second = await s.dispatch('datasets', 'download', { dest: join(tmp, 'other') });
    expect(!second.ok && second.error.code).toBe('CONFLICT');
    expect(!second.ok && second.error.message).toMatch(/already running/);
    expect(await ok(s, 'datasets', 'cancelDownload')).toEqual({ cancelled: true });
    const env = await running;
    expect(!env.ok && env.error.code).toBe('CANCELLED');
    // The partial archive stays for the next download to resume.
    expect(readdirSync(join(dest, '.download')).some((f) => f.startsWith('images.tar.gz'))).toBe(true);
    expect(await ok(s, 'datasets', 'cancelDownload')).toEqual({ cancelled: false });
    expect(await ok<DatasetSummary[]>(s, 'datasets', 'list')).toEqual([]);
  }, 60_000);
});

describe('over HTTP', () => {
  it('answers system.pickFolder with NOT_AVAILABLE (501) and opens the sample only when asked', async () => {
    const { startServer } = await import('../src/server/start-server');
    const staticDir = join(tmp, 'static');
    mkdirSync(staticDir);
    const server = await startServer({ port: 0, dbPath: join(tmp, 'data', 'studio.db'), staticDir, openSample: false });
    try {
      const post = (op: string) =>
        fetch(`${server.url}/api/${op}`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{}' });
      const res = await post('system/pickFolder');
      expect(res.status).toBe(501);
      expect(((await res.json()) as Envelope<unknown> & { ok: false }).error.code).toBe('NOT_AVAILABLE');
      expect(((await (await post('datasets/list')).json()) as { result: unknown[] }).result).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
