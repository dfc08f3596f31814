// Probe finding "download URLs reach any host": over HTTP, datasets.download took any URL and
// echoed the connection error, so a client could map internal services (refused port, an HTTP
// service, a non-HTTP banner) from the messages. Now only http(s) URLs are taken, and a failed
// download from a URL the client gave answers one generic message; the reason goes to the
// host's log.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeWire, encodeWire, type Envelope } from '../src/shared/contract';
import { startServer, type RunningServer } from '../src/server/index';

function listen(s: Server | TcpServer): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

describe('datasets.download URLs over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-urls-'));
  const root = join(dir, 'datasets');
  const staticDir = join(dir, 'renderer');
  let server: RunningServer;
  let closedPort = 0;
  let httpPort = 0;
  let bannerPort = 0;
  const http404 = createHttpServer((_req, res) => res.writeHead(404, { server: 'internal-admin/1.0' }).end('no such page on the admin console'));
  const http200 = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>router login</h1>'));
  let http200Port = 0;
  const bannerSockets = new Set<Socket>();
  const banner = createTcpServer((sock) => {
    bannerSockets.add(sock);
    sock.on('close', () => bannerSockets.delete(sock));
    sock.end('SSH-2.0-OpenSSH_9.6 internal\r\n');
  });

  async function call(path: string, args: unknown): Promise<{ status: number; env: Envelope<unknown> }> {
    const res = await fetch(`${server.url}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: encodeWire(args),
    });
    return { status: res.status, env: decodeWire<Envelope<unknown>>(await res.text()) };
  }

  beforeAll(async () => {
    mkdirSync(root, { recursive: true });
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
    const probe = createTcpServer();
    closedPort = await listen(probe);
    await new Promise((r) => probe.close(r));
    httpPort = await listen(http404);
    http200Port = await listen(http200);
    bannerPort = await listen(banner);
    server = await startServer({ port: 0, dbPath: join(dir, 'data', 'studio.db'), staticDir, importRoots: [root], openSample: false });
  });
  afterAll(async () => {
    await server?.close();
    for (const s of [http404, http200]) s.closeAllConnections();
    for (const sock of bannerSockets) sock.destroy();
    for (const s of [http404, http200, banner]) await new Promise((r) => s.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes only http(s) URLs', async () => {
    for (const url of ['file:///etc/passwd', '/etc/passwd', 'ftp://127.0.0.1/x.tar.gz', 'gopher://127.0.0.1:25/x', 'data:,x']) {
      const r = await call('datasets/download', { dest: join(root, 'pets'), urls: { images: url } });
      expect(r.env.ok ? 'answered' : r.env.error.code, url).toBe('PATH_REFUSED');
      expect(r.env.ok ? '' : r.env.error.message, url).toMatch(/only http\(s\)/);
    }
  });

  it('answers one generic message whatever the target was, and logs the reason on the host', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const targets = [
        `http://127.0.0.1:${closedPort}/images.tar.gz`, // nothing listening
        `http://127.0.0.1:${httpPort}/images.tar.gz`, // an HTTP service answering 404
        `http://127.0.0.1:${http200Port}/images.tar.gz`, // an HTTP service answering a page
        `http://127.0.0.1:${bannerPort}/images.tar.gz`, // a non-HTTP service
      ];
      const answers: Array<{ status: number; code: string; message: string }> = [];
      for (const [i, url] of targets.entries()) {
        const r = await call('datasets/download', { dest: join(root, `pets-${i}`), urls: { images: url, annotations: url } });
        expect(r.env.ok).toBe(false);
        const e = r.env.ok ? { code: '', message: '' } : r.env.error;
        answers.push({ status: r.status, code: e.code ?? '', message: e.message.split(url).join('<url>') });
      }
      expect(new Set(answers.map((a) => JSON.stringify(a))).size, JSON.stringify(answers, null, 1)).toBe(1);
      expect(answers[0]!.message).not.toMatch(/ECONNREFUSED|refused|404|HTTP|SSH|parse|archive is|gzip|tar|socket|router|admin/i);
      // Nothing left behind in the allowed folder either.
      expect(readdirSync(root)).toEqual([]);
      // The host's operator still sees why.
      const logged = warn.mock.calls.map((c) => c.join(' ')).join('\n');
      expect(logged).toMatch(/ECONNREFUSED/);
      expect(logged).toMatch(/HTTP 404/);
    } finally {
      warn.mockRestore();
    }
  }, 60_000);
});
