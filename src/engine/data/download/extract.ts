// Extracts a verified .tar.gz into a folder (a temporary one inside DEST; the caller moves the
// result into place). Only regular files and directories are created, with fixed permissions:
// archive modes (setuid, world-writable) and ownership are deliberately not applied.
import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeArchiveError, openArchive } from './archive-stream';
import { targetInside, UnsafeEntryError } from './safe-path';

export interface ExtractOptions {
  onBytes?: (read: number) => void;
  signal?: AbortSignal;
  /** Each file written: its entry path (relative, '/'-separated), size and SHA-256 (for the download manifest). */
  onFile?: (path: string, size: number, sha256: string) => void;
}

export async function extractArchive(file: string, into: string, opts: ExtractOptions = {}): Promise<number> {
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o755 });
    made.add(dir);
  };
  const archive = openArchive(file, { onBytes: opts.onBytes });
  let fh: FileHandle | null = null;
  let hash: Hash | null = null;
  let size = 0;
  let files = 0;
  try {
    for await (const ev of archive.events) {
      opts.signal?.throwIfAborted();
      if (ev.kind === 'dir') await ensureDir(targetInside(into, ev.path));
      else if (ev.kind === 'file') {
        const target = targetInside(into, ev.path);
        await ensureDir(dirname(target));
        fh = await open(target, 'w', 0o644);
        hash = opts.onFile ? createHash('sha256') : null;
        size = 0;
      } else if (ev.kind === 'data') {
        await fh!.write(ev.chunk);
        hash?.update(ev.chunk);
        size += ev.chunk.length;
      } else if (ev.kind === 'fileEnd') {
        await fh!.close();
        fh = null;
        files++;
        if (hash) opts.onFile!(ev.path, size, hash.digest('hex'));
      }
    }
  } catch (err) {
    if (err instanceof UnsafeEntryError || (err instanceof Error && err.name === 'AbortError')) throw err;
    throw describeArchiveError(file, err);
  } finally {
    await fh?.close().catch(() => {});
  }
  return files;
}
