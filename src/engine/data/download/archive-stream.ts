// Reads a .tar.gz from disk as tar events, counting compressed bytes for progress and hashing
// them when a checksum is wanted, so verification needs one pass over the file.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { tarEvents, type TarEvent } from './tar-reader';

export interface ArchiveStream {
  events: AsyncGenerator<TarEvent>;
  /** Hex SHA-256 of the compressed file; only after `events` is exhausted and only if asked for. */
  digest(): string | null;
}

export function openArchive(file: string, opts: { onBytes?: (read: number) => void; sha256?: boolean } = {}): ArchiveStream {
  const hash: Hash | null = opts.sha256 ? createHash('sha256') : null;
  let read = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length;
      hash?.update(chunk);
      opts.onBytes?.(read);
      cb(null, chunk);
    },
  });
  const gunzip = createGunzip();
  // pipeline destroys every stage when one fails, so a read error surfaces in the gunzip iterator.
  pipeline(createReadStream(file), counter, gunzip, () => {});
  const events = tarEvents(gunzip);
  let digest: string | null = null;
  return {
    events: (async function* () {
      try {
        yield* events;
        if (hash) digest = hash.digest('hex');
      } finally {
        gunzip.destroy();
      }
    })(),
    digest: () => digest,
  };
}

/** Rewords zlib's terse errors so the user learns the archive is damaged, not that zlib broke. */
export function describeArchiveError(file: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const msg = e instanceof Error ? e.message : String(err);
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) {
    return new Error(`${file}: archive is truncated (gzip stream ends early)`, { cause: err });
  }
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new Error(`${file}: archive is corrupt (gzip: ${msg})`, { cause: err });
  }
  return new Error(`${file}: ${msg}`, { cause: err });
}
