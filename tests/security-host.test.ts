// Probe finding "defence in depth" for the HTTP host: requests must name the served address in
// Host (a DNS-rebinding page sends its own name), browser requests and the event socket must come
// from the studio's own origin, and the token can come from the environment (out of `ps`), with
// a warning when it is empty or short.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedHosts, originAllowed } from '../src/server/auth';
import { startServer, type RunningServer } from '../src/server/index';
import { MIN_TOKEN_CHARS, TOKEN_ENV, serveToken } from '../src/cli/commands/serve';

/** A raw request, so the Host header can be anything (fetch always sends the URL's host). */
function raw(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function wsOpen(url: string, opts: WebSocket.ClientOptions): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.once('error', (e) => resolve(`error ${e.message}`));
  });
}

describe('Host and Origin checks of the HTTP host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-host-'));
  const staticDir = join(dir, 'renderer');
  let server: RunningServer;
  let port = 0;
  let auth: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
    server = await startServer({ port: 0, dbPath: join(dir, 'data', 'studio.db'), staticDir, importRoots: [dir], openSample: false, allowedHosts: ['studio.lan'] });
    port = server.port;
    auth = { authorization: `Bearer ${server.token}` };
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers requests naming the served address: loopback names, the listen address and added names, with the port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `studio.lan:${port}`]) {
      expect((await raw(port, '/', { host })).status, host).toBe(200);
      expect((await raw(port, '/api/system/version', { host, ...auth }, 'POST', '{}')).status, host).toBe(200);
    }
  });

  it('refuses any other Host (DNS rebinding), before the token or the route is looked at', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, '']) {
      const page = await raw(port, '/', { host });
      expect(page.status, host).toBe(403);
      expect(page.text).not.toContain('<title>studio</title>');
      const api = await raw(port, '/api/system/version', { host, ...auth }, 'POST', '{}');
      expect(api.status, host).toBe(403);
      expect(api.text).not.toContain('"app"');
      const media = await raw(port, `/api/media/thumbnail?datasetId=1&sampleId=x&token=${server.token}`, { host });
      expect(media.status, host).toBe(403);
    }
  });

  it("refuses browser requests from another site's page, and takes its own origin and non-browser clients", async () => {
    const host = `127.0.0.1:${port}`;
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', `https://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`]) {
      expect((await raw(port, '/api/system/version', { host, origin, ...auth }, 'POST', '{}')).status, origin).toBe(403);
    }
    expect((await raw(port, '/api/system/version', { host, origin: `http://127.0.0.1:${port}`, ...auth }, 'POST', '{}')).status).toBe(200);
    expect((await raw(port, '/api/system/version', { host, origin: `http://localhost:${port}`, ...auth }, 'POST', '{}')).status).toBe(200);
    expect((await raw(port, '/api/system/version', { host, ...auth }, 'POST', '{}')).status).toBe(200);
  });

  it('checks Host and Origin on the event socket too', async () => {
    const url = `ws://127.0.0.1:${port}/api/events?token=${server.token}`;
    expect(await wsOpen(url, {})).toBe('open');
    expect(await wsOpen(url, { origin: `http://127.0.0.1:${port}` })).toBe('open');
    expect(await wsOpen(url, { origin: 'http://evil.example' })).toMatch(/403/);
    expect(await wsOpen(url, { headers: { host: `evil.example:${port}` } })).toMatch(/403/);
    // A right origin does not replace the token.
    expect(await wsOpen(`ws://127.0.0.1:${port}/api/events?token=nope`, { origin: `http://127.0.0.1:${port}` })).toMatch(/401/);
  });
});

describe('allowed Host values', () => {
  it('lists loopback names and the listen address with the port; every local address on a wildcard', () => {
    const loop = allowedHosts('127.0.0.1', 4780);
    expect([...loop].sort()).toEqual(['127.0.0.1:4780', '[::1]:4780', 'localhost:4780']);
    const v6 = allowedHosts('fe80::1', 4780);
    expect(v6.has('[fe80::1]:4780')).toBe(true);
    const any = allowedHosts('0.0.0.0', 4780);
    const local = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4').map((a) => `${a!.address}:4780`);
    for (const a of local) expect(any.has(a), a).toBe(true);
    expect(allowedHosts('127.0.0.1', 80).has('localhost')).toBe(true);
    expect(allowedHosts('127.0.0.1', 4780).has('localhost')).toBe(false);
  });

  it('takes only http origins naming an allowed host', () => {
    const hosts = allowedHosts('127.0.0.1', 4780);
    expect(originAllowed(undefined, hosts)).toBe(true);
    expect(originAllowed('http://127.0.0.1:4780', hosts)).toBe(true);
    expect(originAllowed('http://127.0.0.1:4781', hosts)).toBe(false);
    expect(originAllowed('null', hosts)).toBe(false);
    expect(originAllowed('file://', hosts)).toBe(false);
    expect(originAllowed('http://127.0.0.1:4780.evil.example', hosts)).toBe(false);
  });
});

describe('the serve token', () => {
  it(`comes from --token, else $${TOKEN_ENV}, else is made at random; empty is ignored and short is warned about`, () => {
    const long = 'x'.repeat(MIN_TOKEN_CHARS);
    expect(serveToken(undefined, {})).toEqual({ warnings: [] });
    expect(serveToken(undefined, { [TOKEN_ENV]: long })).toEqual({ token: long, warnings: [] });
    const flag = serveToken('y'.repeat(20), { [TOKEN_ENV]: long });
    expect(flag.token).toBe('y'.repeat(20));
    expect(flag.warnings.join('\n')).toMatch(new RegExp(`ps.*${TOKEN_ENV}`));
    const short = serveToken(undefined, { [TOKEN_ENV]: 'abc' });
    expect(short.token).toBe('abc');
    expect(short.warnings.join('\n')).toMatch(/3 characters; use at least 16/);
    for (const empty of ['', '   ']) {
      const e = serveToken(empty, {});
      expect(e.token).toBeUndefined();
      expect(e.warnings.join('\n')).toMatch(/--token is empty/);
      expect(serveToken(undefined, { [TOKEN_ENV]: empty }).warnings.join('\n')).toMatch(new RegExp(`\\$${TOKEN_ENV} is empty`));
    }
  });

  it('an empty token never opens the server: startServer makes a random one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seg-sec-token-'));
    const s = await startServer({ port: 0, dbPath: join(dir, 'studio.db'), staticDir: dir, importRoots: [dir], openSample: false, token: serveToken('', {}).token });
    try {
      expect(s.token.length).toBeGreaterThanOrEqual(MIN_TOKEN_CHARS);
      const res = await fetch(`${s.url}/api/system/version`, { method: 'POST', headers: { authorization: 'Bearer ' }, body: '{}' });
      expect(res.status).toBe(401);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
