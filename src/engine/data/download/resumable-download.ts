// Downloads one URL into FILE.part, resuming with `Range: bytes=N-` after a dropped connection
// (within this call, with retries, or in a later call). A sidecar FILE.part.json remembers the
// URL and validators (ETag/Last-Modified) so a part from another URL or an older version of the
// file is never glued onto new bytes: `If-Range` makes a changed server file come back whole (200).
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { httpGet, isRetryableNetError, parseContentRange, TransferError } from './http-get';

export interface ResumableOptions {
  url: string;
  /** Final path; bytes go to `${file}.part` until complete. */
  file: string;
  retries?: number;
  retryDelayMs?: number;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number | null) => void;
}

export interface AttemptInfo {
  status: number;
  /** Bytes already on disk when the request was sent (the Range start, 0 for none). */
  offset: number;
  /** Bytes this attempt received. */
  received: number;
  error?: string;
}

export interface DownloadResult {
  file: string;
  bytes: number;
  total: number | null;
  attempts: AttemptInfo[];
}

interface PartMeta {
  url: string;
  total: number | null;
  etag: string | null;
  lastModified: string | null;
}

const sizeOf = (p: string) => (existsSync(p) ? statSync(p).size : 0);

function readMeta(path: string): PartMeta | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PartMeta;
  } catch {
    return null;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

export async function downloadResumable(opts: ResumableOptions): Promise<DownloadResult> {
  const part = `${opts.file}.part`;
  const metaPath = `${part}.json`;
  const retries = opts.retries ?? 5;
  const discard = () => {
    rmSync(part, { force: true });
    rmSync(metaPath, { force: true });
  };
  let meta = readMeta(metaPath);
  if (existsSync(part) && meta?.url !== opts.url) {
    discard(); // bytes from another source (or no record of where they came from) cannot be resumed
    meta = null;
  }
  const attempts: AttemptInfo[] = [];
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    const info: AttemptInfo = { status: 0, offset: sizeOf(part), received: 0 };
    attempts.push(info);
    try {
      // attemptOnce returns only when the part is whole; every shortfall throws.
      meta = await attemptOnce(opts, part, metaPath, meta, info);
      renameSync(part, opts.file);
      rmSync(metaPath, { force: true });
      return { file: opts.file, bytes: sizeOf(opts.file), total: meta?.total ?? null, attempts };
    } catch (err) {
      info.error = (err as Error).message;
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (!isRetryableNetError(err) || attempt >= retries) {
        const have = sizeOf(part);
        const keep = have > 0 ? `; ${have} bytes kept in ${part}, run again to resume` : '';
        const tries = attempts.length > 1 ? ` (after ${attempts.length} attempts)` : '';
        throw new Error(`download of ${opts.url} failed${tries}: ${(err as Error).message}${keep}`, { cause: err });
      }
      meta = readMeta(metaPath);
      await sleep((opts.retryDelayMs ?? 1000) * 2 ** Math.min(attempt, 4), opts.signal);
    }
  }
}

async function attemptOnce(
  opts: ResumableOptions,
  part: string,
  metaPath: string,
  meta: PartMeta | null,
  info: AttemptInfo,
): Promise<PartMeta | null> {
  const have = info.offset;
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'pet-segmentation-studio' };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    // Weak ETags cannot validate byte ranges; Last-Modified is the fallback validator.
    const validator = meta?.etag && !meta.etag.startsWith('W/') ? meta.etag : meta?.lastModified;
    if (validator) headers['if-range'] = validator;
  }
  const { res } = await httpGet(opts.url, { headers, signal: opts.signal, idleTimeoutMs: opts.idleTimeoutMs ?? 60_000 });
  const status = res.statusCode ?? 0;
  info.status = status;
  const range = parseContentRange(res.headers['content-range']);

  if (status === 416) {
    res.resume();
    // Asked for bytes past the end: the part is already whole when its size is the file's size.
    if (have > 0 && range?.total === have) return meta;
    rmSync(part, { force: true });
    throw new TransferError(`HTTP 416 for bytes=${have}- (server size ${range?.total ?? 'unknown'}); restarting from 0`, true);
  }
  let offset: number;
  let total: number | null;
  if (status === 206) {
    if (!range || range.start !== have) {
      res.resume();
      rmSync(part, { force: true });
      throw new TransferError(`HTTP 206 with Content-Range "${res.headers['content-range']}" does not start at ${have}; restarting`, true);
    }
    offset = have;
    total = range.total;
  } else if (status === 200) {
    // A 200 to a Range request means the server ignored it (or If-Range saw a changed file): start over.
    offset = 0;
    const len = res.headers['content-length'];
    total = len !== undefined && /^\d+$/.test(len) ? Number(len) : null;
  } else {
    res.resume();
    throw new TransferError(`HTTP ${status} ${res.statusMessage ?? ''}`.trim(), status === 408 || status === 429 || status >= 500);
  }
  if (res.headers['content-encoding'] && res.headers['content-encoding'] !== 'identity') {
    res.resume();
    throw new TransferError(`server sent Content-Encoding ${res.headers['content-encoding']}, expected the raw file`, false);
  }
  const next: PartMeta = {
    url: opts.url,
    total,
    etag: typeof res.headers.etag === 'string' ? res.headers.etag : null,
    lastModified: typeof res.headers['last-modified'] === 'string' ? res.headers['last-modified'] : null,
  };
  writeFileSync(metaPath, JSON.stringify(next));
  const received = await writeBody(res, part, offset, total, info, opts.onProgress);
  if (received.dropped) throw new TransferError(`connection dropped after ${received.bytes} of ${total ?? '?'} bytes`, true, { cause: received.dropped });
  const size = sizeOf(part);
  if (total !== null && size < total) throw new TransferError(`connection closed after ${size} of ${total} bytes`, true);
  if (total !== null && size > total) {
    rmSync(part, { force: true });
    throw new TransferError(`received ${size} bytes but the server announced ${total}; restarting`, true);
  }
  return next;
}

/** Past this much unwritten data the response is paused (the disk is slower than the network). */
const MAX_PENDING_WRITE = 8 << 20;

/**
 * Appends the body to the part file. When the connection drops, everything already received is
 * still flushed to disk (a piped stream would be destroyed with its buffer), so the next attempt
 * resumes exactly where the bytes stopped. Disk errors reject; a dropped connection resolves with
 * `dropped` so the caller can retry.
 */
function writeBody(
  res: IncomingMessage,
  part: string,
  offset: number,
  total: number | null,
  info: AttemptInfo,
  onProgress: ResumableOptions['onProgress'],
): Promise<{ bytes: number; dropped: Error | null }> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
    let bytes = offset;
    let dropped: Error | null = null;
    let ended = false;
    const finish = (err: Error | null) => {
      if (ended) return;
      ended = true;
      dropped = err;
      out.end();
    };
    onProgress?.(bytes, total);
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      info.received += chunk.length;
      onProgress?.(bytes, total);
      if (!out.write(chunk) && out.writableLength > MAX_PENDING_WRITE) res.pause();
    });
    out.on('drain', () => res.resume());
    res.on('end', () => finish(null));
    res.on('error', (err) => finish(err));
    res.on('close', () => finish(res.complete ? null : new Error('aborted')));
    out.on('error', (err) => {
      res.destroy();
      reject(new TransferError(`writing ${part} failed: ${err.message}`, false, { cause: err }));
    });
    out.on('finish', () => resolve({ bytes, dropped }));
  });
}
