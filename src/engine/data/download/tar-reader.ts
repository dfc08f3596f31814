// A streaming tar reader: yields one event per entry (and the file bodies in chunks) so a caller
// can verify or extract without loading files into memory. Understands ustar, GNU long names
// ('L'/'K') and pax headers ('x' path/size; 'g' ignored). Every entry name is checked with
// safeEntryPath, so any consumer refuses an escaping path before it writes anything.
import { ChunkReader } from './chunk-reader';
import { safeEntryPath } from './safe-path';
import { BLOCK, isZeroBlock, parseHeader, parsePax, TarFormatError } from './tar-header';

export type TarEvent =
  | { kind: 'file'; path: string; size: number }
  | { kind: 'data'; chunk: Buffer }
  | { kind: 'fileEnd'; path: string }
  | { kind: 'dir'; path: string }
  | { kind: 'skipped'; path: string; reason: string };

/** Upper bound for GNU long-name and pax header bodies, which are held in memory. */
const MAX_META_BYTES = 1 << 20;

const SKIPPED_TYPES: Record<string, string> = {
  '1': 'hard link',
  '2': 'symbolic link',
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
};

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

async function takeOrFail(r: ChunkReader, n: number, what: string): Promise<Buffer> {
  const b = await r.take(n);
  if (!b) throw new TarFormatError(`tar stream ends inside ${what} (archive truncated)`);
  return b;
}

export async function* tarEvents(source: AsyncIterable<Buffer>): AsyncGenerator<TarEvent> {
  const r = new ChunkReader(source);
  let longName: string | null = null;
  let pax: Map<string, string> | null = null;
  for (;;) {
    const offset = r.position;
    const block = await r.take(BLOCK);
    if (!block) throw new TarFormatError('tar stream ends without an end-of-archive marker (archive truncated)');
    if (isZeroBlock(block)) {
      // End of archive. Read the rest so gzip checks its CRC and length trailer.
      await r.drain();
      return;
    }
    const h = parseHeader(block, offset);
    const size = pax?.has('size') ? Number(pax.get('size')) : h.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`bad entry size at byte ${offset}`);

    if (h.type === 'L' || h.type === 'K' || h.type === 'x' || h.type === 'g') {
      if (size > MAX_META_BYTES) throw new TarFormatError(`oversized tar metadata entry at byte ${offset}`);
      const body = await takeOrFail(r, size, 'a tar metadata entry');
      await takeOrFail(r, padding(size), 'tar padding');
      if (h.type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
      else if (h.type === 'x') pax = parsePax(body);
      // 'K' (long link target) and 'g' (global pax defaults) do not change where anything is written.
      continue;
    }

    const rawName = pax?.get('path') ?? longName ?? h.name;
    longName = null;
    pax = null;
    const path = safeEntryPath(rawName);
    if (h.type === '0' || h.type === '7') {
      if (path === '') throw new TarFormatError(`file entry with an empty name at byte ${offset}`);
      yield { kind: 'file', path, size };
      let left = size;
      while (left > 0) {
        const chunk = await r.takeUpTo(Math.min(left, 1 << 20));
        if (!chunk) throw new TarFormatError(`tar stream ends inside "${rawName}" (archive truncated)`);
        left -= chunk.length;
        yield { kind: 'data', chunk };
      }
      await takeOrFail(r, padding(size), `the padding after "${rawName}"`);
      yield { kind: 'fileEnd', path };
      continue;
    }
    // Everything else has no body we use; skip its bytes (zero for links and directories).
    await takeOrFail(r, size + padding(size), `"${rawName}"`);
    if (h.type === '5') {
      if (path !== '') yield { kind: 'dir', path };
    } else if (SKIPPED_TYPES[h.type]) {
      yield { kind: 'skipped', path, reason: `${SKIPPED_TYPES[h.type]} to ${JSON.stringify(h.linkName)} not extracted` };
    } else {
      throw new TarFormatError(`unsupported tar entry type "${h.type}" for "${rawName}"`);
    }
  }
}
