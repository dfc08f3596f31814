// Probe finding "symlink escape", through the real HTTP host with real symlinks in temp folders:
// every operation that takes a path resolves it (symlinks included) before comparing it with the
// allowed folders, and a path outside them is refused with the same PATH_REFUSED whether or not it
// exists, so the API tells nothing about the rest of the disk.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, type Envelope } from '../src/shared/contract';
import { PathGuard, realResolve } from '../src/services/path-guard';
import { startServer, type RunningServer } from '../src/server/index';
import { parseRunConfig } from '../src/shared/run-config';

const FIXTURE = resolve('tests/fixtures/oxford-mini');

describe('one symlink-aware path policy over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-paths-'));
  const dataDir = join(dir, 'data');
  const root = join(dir, 'datasets'); // the host's --datasets-root
  const pets = join(root, 'pets');
  const outsideDir = mkdtempSync(join(tmpdir(), 'seg-sec-outside-'));
  const outsidePets = join(outsideDir, 'pets');
  const staticDir = join(dir, 'renderer');
  let server: RunningServer;
  let datasetId = 0;

  async function call<T = unknown>(path: string, args: unknown): Promise<{ status: number; env: Envelope<T> }> {
    const res = await fetch(`${server.url}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: encodeWire(args),
    });
    return { status: res.status, env: decodeWire<Envelope<T>>(await res.text()) };
  }

  async function refused(path: string, args: unknown): Promise<string> {
    const r = await call(path, args);
    expect(r.env.ok ? 'answered' : r.env.error.code, `${path} ${JSON.stringify(args)}`).toBe('PATH_REFUSED');
    expect(r.status).toBe(403);
    return r.env.ok ? '' : r.env.error.message;
  }

  const tiny = (data: string) => ({ data, model: 'unet', base: 4, size: 32, epochs: 1, batchSize: 4, backend: 'cpu', seed: 1, augment: { enabled: false } });

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
    cpSync(FIXTURE, pets, { recursive: true });
    cpSync(FIXTURE, outsidePets, { recursive: true });
    // Links inside the allowed folders that point out of them.
    symlinkSync(outsideDir, join(root, 'link-out'));
    symlinkSync(outsidePets, join(root, 'link-pets'));
    symlinkSync(join(outsideDir, 'not-yet'), join(root, 'dangling'));
    symlinkSync(outsideDir, join(dataDir, 'link-out'));
    server = await startServer({ port: 0, dbPath: join(dataDir, 'studio.db'), staticDir, importRoots: [root], openSample: false });
    const opened = await call<{ dataset: { id: number } }>('datasets/open', { path: pets });
    if (!opened.env.ok) throw new Error(opened.env.error.message);
    datasetId = opened.env.result.dataset.id;
    symlinkSync(outsideDir, join(pets, 'link-out'));
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outsideDir, { recursive: true, force: true });
  });

  it('refuses to open or relocate a dataset through a symlink that leaves the roots', async () => {
    await refused('datasets/open', { path: join(root, 'link-pets') });
    await refused('datasets/open', { path: join(root, 'link-out', 'pets') });
    await refused('datasets/relocate', { datasetId, newPath: join(root, 'link-pets') });
    const list = await call<Array<{ id: number; root: string }>>('datasets/list', {});
    expect(list.env.ok && list.env.result.map((d) => d.root)).toEqual([pets]);
  });

  it('refuses a download destination reached through a symlink (existing, new or dangling), writing nothing outside', async () => {
    // A closed port: were the destination accepted, the download would fail later with another code.
    const urls = { images: 'http://127.0.0.1:9/images.tar.gz', annotations: 'http://127.0.0.1:9/annotations.tar.gz' };
    await refused('datasets/download', { dest: join(root, 'link-out', 'pets-dl'), urls });
    await refused('datasets/download', { dest: join(root, 'link-pets'), urls, overwrite: true });
    await refused('datasets/download', { dest: join(root, 'dangling'), urls });
    await refused('datasets/download', { dest: join(root, 'dangling', 'deeper'), urls });
    expect(readdirSync(outsideDir).sort()).toEqual(['pets']);
  });

  it('never makes a symlink target an allowed export folder', async () => {
    // Before the fix, opening root/link-pets remembered a dataset whose real folder is outside, and
    // the guard then allowed exports there. The open is refused above; exports stay refused.
    // A run row (no training needed: the folder is checked before its checkpoint is looked for).
    const run = server.services.store.runs.create({ name: 'probe', config: parseRunConfig(tiny(pets)), runDirFor: (id) => join(dataDir, 'runs', `run-${id}`) });
    await refused('exports/model', { runId: run.id, folder: join(outsidePets, 'exported') });
    await refused('exports/masks', { runId: run.id, datasetId, split: 'valid', folder: join(pets, 'link-out', 'masks') });
    await refused('exports/masks', { runId: run.id, datasetId, split: 'valid', folder: join(dataDir, 'link-out') });
    server.services.store.runs.cancel(run.id);
    expect(existsSync(join(outsidePets, 'exported'))).toBe(false);
  });

  it("refuses a run config's data outside the roots: start queues nothing, validate says why", async () => {
    for (const data of [outsidePets, join(root, 'link-pets'), join(root, 'link-out', 'pets')]) {
      await refused('runs/start', { config: tiny(data) });
      const v = await call<{ valid: boolean; issues: Array<{ path: string; message: string }> }>('runs/validate', { config: tiny(data) });
      expect(v.env.ok && v.env.result.valid).toBe(false);
      expect(v.env.ok && v.env.result.issues.map((i) => i.path)).toEqual(['data']);
    }
    // The ImageNet encoder file a run names is read by its worker: the same policy.
    const imagenet = { ...tiny(pets), model: 'resnet34_unet', base: 64, size: 64, encoderWeights: 'imagenet' };
    for (const file of [join(outsideDir, 'resnet34.pth'), join(root, 'link-out', 'resnet34.pth')]) await refused('runs/start', { config: { ...imagenet, encoderWeightsPath: file } });
    const runs = await call<Array<{ name: string }>>('runs/list', {});
    expect(runs.env.ok && runs.env.result.map((r) => r.name)).toEqual(['probe']);
    // Inside the roots the config is valid, and the bundled sample is the app's own.
    const inside = await call<{ valid: boolean }>('runs/validate', { config: tiny(pets) });
    expect(inside.env.ok && inside.env.result.valid).toBe(true);
    const sample = await call<{ valid: boolean }>('runs/validate', { config: tiny('sample') });
    expect(sample.env.ok && sample.env.result.valid).toBe(true);
  });

  it('estimateEpoch answers the same PATH_REFUSED for an outside path whether or not it exists', async () => {
    const there = await refused('runs/estimateEpoch', { config: tiny(outsidePets) });
    const absent = await refused('runs/estimateEpoch', { config: tiny(join(outsideDir, 'no-such-folder')) });
    const linked = await refused('runs/estimateEpoch', { config: tiny(join(root, 'dangling')) });
    const shape = (m: string, p: string) => m.replace(p, '<path>');
    expect(shape(absent, join(outsideDir, 'no-such-folder'))).toBe(shape(there, outsidePets));
    expect(shape(linked, join(root, 'dangling'))).toBe(shape(there, outsidePets));
    // Inside the roots a missing folder may be named as missing.
    const missing = await call('runs/estimateEpoch', { config: tiny(join(root, 'no-such-folder')) });
    expect(missing.status).toBe(404);
  });
});

describe('realResolve and the guard on their own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-real-'));
  const allowed = join(dir, 'allowed');
  const away = join(dir, 'away');
  mkdirSync(allowed);
  mkdirSync(away);
  symlinkSync(join(away, 'made-later'), join(allowed, 'dangling'));
  symlinkSync('dangling', join(allowed, 'to-dangling')); // relative, and a link to a link
  symlinkSync(join(allowed, 'loop-b'), join(allowed, 'loop-a'));
  symlinkSync(join(allowed, 'loop-a'), join(allowed, 'loop-b'));
  symlinkSync('.', join(allowed, 'self'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('follows dangling links (also relative and chained) to where a write would land', () => {
    expect(realResolve(join(allowed, 'dangling'))).toBe(join(away, 'made-later'));
    expect(realResolve(join(allowed, 'to-dangling', 'x', 'y.png'))).toBe(join(away, 'made-later', 'x', 'y.png'));
    expect(realResolve(join(allowed, 'self', 'self', 'new'))).toBe(join(allowed, 'new'));
  });

  it('refuses link loops and dangling links out of the roots, and allows what stays inside', () => {
    const guard = new PathGuard([allowed], () => []);
    expect(() => guard.check(join(allowed, 'loop-a', 'x'), 'export folder')).toThrow(/outside/);
    expect(() => guard.check(join(allowed, 'to-dangling'), 'export folder')).toThrow(/outside/);
    expect(guard.check(join(allowed, 'self', 'sub'), 'export folder')).toBe(join(allowed, 'sub'));
  });

  it('limits dataset folders to the import roots only when it has them (the desktop app opens any folder)', () => {
    const desktop = new PathGuard([allowed], () => []);
    expect(desktop.check(away, 'dataset folder', 'dataset-source')).toBe(away);
    expect(() => desktop.check(away, 'export folder')).toThrow(/outside/);
    const host = new PathGuard([join(dir, 'data')], () => [], [allowed]);
    expect(() => host.check(away, 'dataset folder', 'dataset-source')).toThrow(/outside the folders datasets may be opened from/);
    expect(host.check(join(allowed, 'self', 'pets'), 'dataset folder', 'dataset-source')).toBe(join(allowed, 'self', 'pets'));
    // Downloads write: an opened dataset's folder outside the roots is not a destination.
    const withDataset = new PathGuard([join(dir, 'data')], () => [away], [allowed]);
    expect(withDataset.check(join(away, 'x'), 'dataset folder', 'dataset-source')).toBe(join(away, 'x'));
    expect(() => withDataset.check(join(away, 'x'), 'download destination', 'download-dest')).toThrow(/downloaded into/);
  });
});
