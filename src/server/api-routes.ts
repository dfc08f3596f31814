// POST /api/<domain>/<op>: JSON body (wire-encoded), answer = wire-encoded envelope. The HTTP
// status mirrors the error code for curl users; clients read the envelope either way.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeWire, encodeWire, type Envelope, type ErrorCode } from '../shared/contract';
import type { Dispatch } from '../services/handlers';

const MAX_BODY = 64 * 1024 * 1024;

const STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  PATH_REFUSED: 403,
  NOT_FOUND: 404,
  UNKNOWN_OPERATION: 404,
  CONFLICT: 409,
  NOT_AVAILABLE: 501,
  // No standard status for "stopped by the client's own request"; 409 is the closest.
  CANCELLED: 409,
  INTERNAL: 500,
};

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendEnvelope(res: ServerResponse, env: Envelope<unknown>): void {
  const status = env.ok ? 200 : STATUS[env.error.code ?? 'INTERNAL'];
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(encodeWire(env));
}

export async function handleApiCall(dispatch: Dispatch, req: IncomingMessage, res: ServerResponse, domain: string, op: string): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' });
    sendEnvelope(res, { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'operations are called with POST' } });
    return;
  }
  let args: unknown = {};
  try {
    const text = await readBody(req);
    if (text.trim()) args = decodeWire(text);
  } catch (err) {
    sendEnvelope(res, { ok: false, error: { code: 'INVALID_ARGUMENT', message: `request body: ${(err as Error).message}` } });
    return;
  }
  sendEnvelope(res, await dispatch(domain, op, args));
}
