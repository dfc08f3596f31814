// The HTTP host: the built renderer, the contract as POST /api/<domain>/<op>, raw images at
// /api/media/*, events over WebSocket at /api/events. Loopback unless told otherwise; every
// /api request needs the token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { EVENTS_PATH } from '../shared/contract';
import { createStudioServices, type StudioServices } from '../services/studio-services';
import type { WorkerLauncher } from '../services/worker-launcher';
import { handleApiCall, sendEnvelope } from './api-routes';
import { allowedHosts, hostAllowed, originAllowed, randomToken, requestToken, tokenMatches } from './auth';
import { EventsSocket } from './events-socket';
import { handleMedia } from './media-routes';
import { serveStatic } from './static-files';

export interface ServerOptions {
  port: number;
  host?: string;
  /** Fixed token; a random one is made (and returned) when absent. */
  token?: string;
  dbPath: string;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Folders datasets may be opened from (default: the current folder). */
  importRoots?: string[];
  /**
   * Names besides the loopback ones and `host` that clients may use in the Host header (a DNS
   * name of this machine, say). Requests naming any other host are refused (DNS rebinding).
   */
  allowedHosts?: string[];
  launcher?: WorkerLauncher;
  /**
   * Import the bundled sample dataset on the first start of an empty store (default: on, unless
   * the environment sets SEG_STUDIO_NO_SAMPLE=1, which tests that need an empty studio use).
   */
  openSample?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  token: string;
  services: StudioServices;
  close(): Promise<void>;
}

/** 403 before anything else runs: the request did not name this server, or came from another site's page. */
function refuse(res: ServerResponse, message: string): void {
  res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ ok: false, error: { code: 'UNAUTHORIZED', message } }));
}

const SECURITY_HEADERS = {
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomToken();
  const services = createStudioServices({
    dbPath: opts.dbPath,
    launcher: opts.launcher,
    importRoots: opts.importRoots ?? [process.cwd()],
    openSampleOnFirstStart: opts.openSample ?? process.env.SEG_STUDIO_NO_SAMPLE !== '1',
  });
  const events = new EventsSocket(services.bus);
  // Filled in once the port is known (port 0 = any free one), before the first request.
  let hosts = new Set<string>();

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (!hostAllowed(req.headers.host, hosts)) return refuse(res, "the Host header does not name this studio's address");
    if (!originAllowed(req.headers.origin, hosts)) return refuse(res, 'requests from pages of other sites are refused');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) {
      // The renderer's files are public: they hold no data, and the page asks for the token.
      serveStatic(opts.staticDir, req, res, url.pathname);
      return;
    }
    if (!tokenMatches(requestToken(req, url), token)) {
      sendEnvelope(res, { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong token' } });
      return;
    }
    if (await handleMedia(services.dispatch, req.method, url, res)) return;
    const m = /^\/api\/([A-Za-z]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) {
      sendEnvelope(res, { ok: false, error: { code: 'UNKNOWN_OPERATION', message: `no API at ${url.pathname}` } });
      return;
    }
    await handleApiCall(services.dispatch, req, res, m[1]!, m[2]!);
  };

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch((err: Error) => {
      if (!res.headersSent) sendEnvelope(res, { ok: false, error: { code: 'INTERNAL', message: err.message } });
      else res.destroy(err);
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!hostAllowed(req.headers.host, hosts) || !originAllowed(req.headers.origin, hosts)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== EVENTS_PATH || !tokenMatches(requestToken(req, url), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    events.upgrade(req, socket, head);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      hosts = allowedHosts(host, (server.address() as AddressInfo).port, opts.allowedHosts);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    host,
    token,
    services,
    close: async () => {
      events.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      services.close();
    },
  };
}
