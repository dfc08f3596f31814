// One GET with redirects followed, returning the response once headers arrive. The body is left
// unread for the caller. Content encoding is refused so byte offsets mean file offsets.
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export class TransferError extends Error {
  constructor(
    message: string,
    /** Worth another attempt: dropped connections, timeouts, 5xx. Not: 404, disk full, aborted. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Refused connections and unknown hosts are not retried: waiting does not fix a wrong URL or a host that is down.
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED']);

export function isRetryableNetError(err: unknown): boolean {
  if (err instanceof TransferError) return err.retryable;
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code !== undefined && RETRYABLE_CODES.has(code)) || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error)?.message === 'aborted';
}

export interface GetOptions {
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** A socket with no traffic for this long is dropped (the attempt is then retried). */
  idleTimeoutMs: number;
  maxRedirects?: number;
}

export interface GetResponse {
  res: IncomingMessage;
  /** The URL that answered, after redirects. */
  finalUrl: string;
}

function once(url: string, opts: GetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const make = u.protocol === 'https:' ? httpsRequest : u.protocol === 'http:' ? httpRequest : null;
    if (!make) return reject(new TransferError(`${url}: unsupported protocol ${u.protocol}`, false));
    const req = make(u, { method: 'GET', headers: opts.headers, signal: opts.signal });
    req.setTimeout(opts.idleTimeoutMs, () => {
      req.destroy(new TransferError(`${url}: no data for ${Math.round(opts.idleTimeoutMs / 1000)} s`, true));
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

export async function httpGet(url: string, opts: GetOptions): Promise<GetResponse> {
  let current = url;
  for (let hop = 0; hop <= (opts.maxRedirects ?? 5); hop++) {
    const res = await once(current, opts);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current).href;
      continue;
    }
    return { res, finalUrl: current };
  }
  throw new TransferError(`${url}: too many redirects`, false);
}

// Parses "bytes START-END/TOTAL" or "bytes */TOTAL" (416 replies); TOTAL may be "*".
export function parseContentRange(value: string | undefined): { start: number | null; end: number | null; total: number | null } | null {
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec((value ?? '').trim());
  if (!m) return null;
  return {
    start: m[1] !== undefined ? Number(m[1]) : null,
    end: m[2] !== undefined ? Number(m[2]) : null,
    total: m[3] === '*' ? null : Number(m[3]),
  };
}
