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

/**
 * A body over the limit. The rest of it is still read and dropped (up to DRAIN_LIMIT), so the
 * client gets the 413 answer instead of a connection reset while it is still sending.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes (${limit / 1024 / 1024} MiB)`);
    this.name = 'BodyTooLargeError';
  }
}

/** Bytes of a refused body read and dropped before the connection is cut after all. */
const DRAIN_LIMIT = 1024 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      reject(new BodyTooLargeError(limit));
    };
    // A declared length over the limit is refused before a byte of the body is read.
    if (Number(req.headers['content-length']) > limit) refuse();
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (refused) {
        if (size > DRAIN_LIMIT) req.destroy();
      } else if (size > limit) refuse();
      else chunks.push(c);
    });
    req.on('end', () => {
      if (!refused) resolveBody(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

export function sendEnvelope(res: ServerResponse, env: Envelope<unknown>, status?: number, headers: Record<string, string> = {}): void {
  const code = status ?? (env.ok ? 200 : STATUS[env.error.code ?? 'INTERNAL']);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(encodeWire(env));
}

export async function handleApiCall(dispatch: Dispatch, req: IncomingMessage, res: ServerResponse, domain: string, op: string): Promise<void> {
  if (req.method !== 'POST') {
    const message = `${req.method} ${req.url?.split('?')[0]}: operations are called with POST`;
    sendEnvelope(res, { ok: false, error: { code: 'INVALID_ARGUMENT', message } }, 405, { allow: 'POST' });
    return;
  }
  let args: unknown = {};
  try {
    const text = await readBody(req);
    if (text.trim()) args = decodeWire(text);
  } catch (err) {
    const status = err instanceof BodyTooLargeError ? 413 : 400;
    sendEnvelope(res, { ok: false, error: { code: 'INVALID_ARGUMENT', message: `request body: ${(err as Error).message}` } }, status);
    return;
  }
  sendEnvelope(res, await dispatch(domain, op, args));
}
