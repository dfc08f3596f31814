// Proves an archive is complete before anything is extracted: the size matches what the server
// announced, the gzip stream inflates to its end (CRC and length trailer), the tar structure
// reads through to its end-of-archive marker, every entry name is safe, and (optionally) the
// SHA-256 matches.
import { statSync } from 'node:fs';
import { describeArchiveError, openArchive } from './archive-stream';
import { UnsafeEntryError } from './safe-path';

export interface VerifyReport {
  file: string;
  compressedBytes: number;
  files: number;
  dirs: number;
  uncompressedBytes: number;
  /** Top-level names in the archive (e.g. "images"), for the layout check. */
  topLevel: string[];
  skipped: Array<{ path: string; reason: string }>;
  sha256: string | null;
}

export interface VerifyOptions {
  expectedSize?: number | null;
  sha256?: string;
  onBytes?: (read: number, total: number) => void;
}

export async function verifyArchive(file: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const size = statSync(file).size;
  if (opts.expectedSize != null && size !== opts.expectedSize) {
    throw new Error(`${file}: archive is ${size} bytes but the source announced ${opts.expectedSize} (incomplete download)`);
  }
  const report: VerifyReport = {
    file,
    compressedBytes: size,
    files: 0,
    dirs: 0,
    uncompressedBytes: 0,
    topLevel: [],
    skipped: [],
    sha256: null,
  };
  const top = new Set<string>();
  const archive = openArchive(file, { sha256: Boolean(opts.sha256), onBytes: (n) => opts.onBytes?.(n, size) });
  try {
    for await (const ev of archive.events) {
      if (ev.kind === 'data') report.uncompressedBytes += ev.chunk.length;
      else if (ev.kind === 'file') report.files++;
      else if (ev.kind === 'dir') report.dirs++;
      else if (ev.kind === 'skipped') report.skipped.push({ path: ev.path, reason: ev.reason });
      if (ev.kind === 'file' || ev.kind === 'dir') top.add(ev.path.split('/')[0]!);
    }
  } catch (err) {
    if (err instanceof UnsafeEntryError) throw new UnsafeEntryError(err.entry, `${err.reason}; refusing the whole archive ${file}`);
    throw describeArchiveError(file, err);
  }
  report.topLevel = [...top].sort();
  report.sha256 = archive.digest();
  if (opts.sha256 && report.sha256 !== opts.sha256.toLowerCase()) {
    throw new Error(`${file}: SHA-256 mismatch (expected ${opts.sha256}, got ${report.sha256})`);
  }
  return report;
}
