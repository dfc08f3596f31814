// Probe finding "path length": a 400 KB path of `a/` segments kept the server busy for 10 s and
// ended in "Maximum call stack size exceeded". Every path field is capped by the contract's one
// path schema, so the HTTP host answers 400 at once; and the guard's resolution stays linear for
// callers inside the process that pass a long path without the schema.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PATH_CHARS, StudioError, decodeWire, encodeWire, type Envelope } from '../src/shared/contract';
import { PathGuard, realResolve } from '../src/services/path-guard';
import { startServer, type RunningServer } from '../src/server/index';

const HUGE = '/tmp/' + 'a/'.repeat(200_000); // 400 KB

describe('path length over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-len-'));
  const staticDir = join(dir, 'renderer');
  let server: RunningServer;

  beforeAll(async () => {
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
    server = await startServer({ port: 0, dbPath: join(dir, 'data', 'studio.db'), staticDir, importRoots: [dir], openSample: false });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function timed(path: string, args: unknown): Promise<{ status: number; env: Envelope<unknown>; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: encodeWire(args),
    });
    const env = decodeWire<Envelope<unknown>>(await res.text());
    return { status: res.status, env, ms: performance.now() - t0 };
  }

  const config = (data: string) => ({ data, model: 'unet', base: 4, size: 32, epochs: 1 });
  const cases: Array<[string, unknown]> = [
    ['datasets/open', { path: HUGE }],
    ['datasets/relocate', { datasetId: 1, newPath: HUGE }],
    ['datasets/download', { dest: HUGE }],
    ['datasets/download', { urls: { images: `http://127.0.0.1:9/${HUGE}` } }],
    ['exports/masks', { runId: 1, datasetId: 1, split: 'valid', folder: HUGE }],
    ['exports/model', { runId: 1, folder: HUGE }],
    ['runs/start', { config: config(HUGE) }],
    ['runs/estimateEpoch', { config: config(HUGE) }],
    ['system/pickFolder', { defaultPath: HUGE }],
  ];

  it('answers 400 at once to a 400 KB path in every path field', async () => {
    await timed('system/version', {}); // warm the connection and the handlers
    for (const [op, args] of cases) {
      const r = await timed(op, args);
      expect(r.env.ok ? 'answered' : r.env.error.code, op).toBe('INVALID_ARGUMENT');
      expect(r.status, op).toBe(400);
      expect(r.env.ok ? '' : r.env.error.message, op).toMatch(new RegExp(`${MAX_PATH_CHARS}`));
      expect(r.ms, op).toBeLessThan(1000); // "at once": the unguarded path took 25 s; 1 s leaves room for a loaded CI fork
    }
    const v = await timed('runs/validate', { config: config(HUGE) });
    expect(v.env.ok && (v.env.result as { valid: boolean }).valid).toBe(false);
    expect(v.ms).toBeLessThan(1000);
  });

  it('still takes a path of exactly the limit', async () => {
    const atLimit = join(dir, 'data') + '/' + 'b/'.repeat((MAX_PATH_CHARS - join(dir, 'data').length - 1) / 2 | 0);
    const r = await timed('exports/model', { runId: 99, folder: atLimit.slice(0, MAX_PATH_CHARS) });
    // Past the schema and the guard (inside the data folder): the run is what is missing.
    expect(r.env.ok ? 'answered' : r.env.error.code).toBe('NOT_FOUND');
    expect(r.ms).toBeLessThan(1000);
  });
});

describe('path guard resolution', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-guard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a 400 KB path quickly with PATH_REFUSED, not a stack overflow', () => {
    const guard = new PathGuard([dir], () => []);
    const huge = dir + HUGE;
    const t0 = performance.now();
    let err: unknown;
    try {
      guard.check(huge, 'export folder');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('PATH_REFUSED');
    expect((err as Error).message).toMatch(/at most 4096 characters/);
    expect(performance.now() - t0).toBeLessThan(250); // a stall in a loaded CI fork stays far below what the quadratic version took
  });

  it('resolves a 400 KB path of 200,000 missing segments without recursion, in linear time', () => {
    // The guard refuses such a path before resolving it; the resolution itself must not recurse
    // or go quadratic either (it took 25 s and overflowed the stack here).
    const huge = dir + HUGE;
    const t0 = performance.now();
    expect(realResolve(huge)).toBe(huge.replace(/\/$/, ''));
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('resolves a path of many missing segments under an existing folder in linear time', () => {
    const guard = new PathGuard([dir], () => []);
    const deep = join(dir, 'c/'.repeat(2000));
    const t0 = performance.now();
    expect(guard.check(deep, 't')).toBe(deep.replace(/\/$/, ''));
    expect(performance.now() - t0).toBeLessThan(250); // a stall in a loaded CI fork stays far below what the quadratic version took
  });
});
