// The whole job: download (resumable) → verify → extract into a temp folder inside DEST → move
// into place → import. Nothing in DEST/images or DEST/annotations changes until both archives
// have verified and extracted; a failed import puts the previous dataset back. Overwriting
// replaces only the files a previous download created (its manifest, manifest.ts): a user's own
// files in DEST are never moved or deleted, and anything that would cost one is refused first.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importDataset } from '../import-dataset';
import type { ImportOptions, ImportReport } from '../../types';
import { extractArchive } from './extract';
import { collisions, DATASET_DIRS, installDataset } from './install';
import { changedFiles, MANIFEST_FILE, readManifest, type DownloadManifest, type FileList } from './manifest';
import { acquireLock } from './lock';
import { progressEmitter, type DownloadProgress } from './progress-emitter';
import { downloadResumable, type AttemptInfo } from './resumable-download';
import { archiveSpecs, sourceLabel, type ArchiveSpec, type SourceOptions } from './sources';
import { verifyArchive, type VerifyReport } from './verify';

export interface DownloadDatasetOptions extends SourceOptions {
  dest: string;
  /**
   * Replace an existing dataset at DEST (images/ or annotations/ present) — only the files a
   * previous download created there (its manifest); refused when DEST's dataset folders hold
   * files no download manifest lists.
   */
  overwrite?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Extra attempts per archive after a dropped connection or 5xx (default 5). */
  retries?: number;
  retryDelayMs?: number;
  idleTimeoutMs?: number;
  /** Keep the downloaded archives in DEST/.download after success (default: delete them). */
  keepArchives?: boolean;
  importOptions?: Omit<ImportOptions, 'onProgress'>;
}

export interface ArchiveOutcome {
  name: string;
  source: string;
  /** 'downloaded' this call, 'reused' a complete earlier download, or read from a 'local' file. */
  how: 'downloaded' | 'reused' | 'local';
  bytes: number;
  attempts: AttemptInfo[];
  files: number;
  skippedEntries: VerifyReport['skipped'];
  sha256: string | null;
}

export interface DownloadDatasetResult {
  dest: string;
  /** Samples imported (photo + mask pairs that passed the checks). */
  images: number;
  counts: ImportReport['counts'];
  /** Files the import skipped (unreadable photos, missing masks). */
  skipped: number;
  replacedExisting: boolean;
  archives: ArchiveOutcome[];
  report: ImportReport;
  seconds: number;
}

export class DatasetExistsError extends Error {}

/** Overwrite refused: replacing would cost files the user made (a subclass: callers map both to "conflict"). */
export class OverwriteRefusedError extends DatasetExistsError {}

export function existingDataset(dest: string): string[] {
  return DATASET_DIRS.filter((d) => existsSync(join(dest, d)));
}

const listSome = (files: string[]) => files.slice(0, 5).join(', ') + (files.length > 5 ? `, … (${files.length} in all)` : '');

/**
 * Why overwriting DEST is refused, or null when it may go ahead: its dataset folders exist but no
 * manifest says a download made them, or files a previous download made were changed since.
 * Reading and hashing only; nothing is written.
 */
export function overwriteBlocker(dest: string): string | null {
  const present = existingDataset(dest);
  if (present.length === 0) return null;
  const manifest = readManifest(dest);
  if (!manifest) {
    return (
      `${dest} holds ${present.map((d) => d + '/').join(' and ')} that no seg-studio download created (no ${MANIFEST_FILE} lists their files); ` +
      'overwrite replaces only what a previous download put there, so nothing was changed. Move those folders away or choose another destination'
    );
  }
  const changed = changedFiles(dest, manifest);
  if (changed.length > 0) {
    return (
      `${changed.length} file(s) in ${dest} that the previous download created were changed since (${listSome(changed)}); ` +
      'overwriting would lose those changes, so nothing was changed. Move them out of the dataset first'
    );
  }
  return null;
}

export async function downloadDataset(opts: DownloadDatasetOptions): Promise<DownloadDatasetResult> {
  const t0 = performance.now();
  const dest = resolve(opts.dest);
  const specs = archiveSpecs(opts);
  const present = existingDataset(dest);
  if (present.length > 0 && !opts.overwrite) {
    throw new DatasetExistsError(
      `${dest} already holds a dataset (${present.map((d) => d + '/').join(', ')}); pass overwrite (CLI: --force) to replace it`,
    );
  }
  // Before any byte is fetched: refuse an overwrite that would cost the user a file.
  const blocked = overwriteBlocker(dest);
  if (blocked) throw new OverwriteRefusedError(blocked);
  const createdDest = !existsSync(dest);
  mkdirSync(dest, { recursive: true });
  const work = join(dest, '.download');
  const release = acquireLock(join(work, 'lock'));
  const emit = progressEmitter(opts.onProgress);
  let staged: string | null = null;
  try {
    const archives: Array<{ spec: ArchiveSpec; file: string; outcome: ArchiveOutcome }> = [];
    for (const spec of specs) {
      const got = await fetchArchive(spec, work, opts, emit);
      archives.push({ spec, ...got });
    }
    staged = mkdtempSync(join(dest, '.extract-'));
    const extracted: Record<string, { size: number; sha256: string }> = {};
    for (const a of archives) {
      const total = a.outcome.bytes;
      a.outcome.files = await extractArchive(a.file, staged, {
        signal: opts.signal,
        onBytes: (n) => emit('extract', a.spec.name, n, total),
        onFile: (path, size, sha256) => (extracted[path] = { size, sha256 }),
      }).catch((err: Error) => {
        throw new Error(`extracting ${a.spec.name} from ${a.outcome.source} failed: ${err.message}`, { cause: err });
      });
    }
    opts.signal?.throwIfAborted();
    const incoming = datasetFiles(staged, extracted);
    // Checked again now: minutes of downloading may have passed since the first look.
    const previous = ownPrevious(dest);
    const taken = collisions(dest, incoming, previous);
    if (taken.length > 0) {
      throw new OverwriteRefusedError(
        `${taken.length} file(s) of the new dataset would replace files in ${dest} that no download created (${listSome(taken)}); nothing was changed`,
      );
    }
    const installed = installDataset(dest, staged, incoming, previous);
    let report: ImportReport;
    try {
      report = await importDataset(dest, { ...opts.importOptions, onProgress: (d, t) => emit('import', dest, d, t) });
      if (report.samples.length === 0) throw new Error('no usable photo/mask pairs found');
    } catch (err) {
      installed.rollback();
      const again = present.length ? 'previous dataset restored' : 'extracted files removed';
      throw new Error(`import of ${dest} failed: ${(err as Error).message}; ${again}`, { cause: err });
    }
    installed.commit();
    if (!opts.keepArchives) for (const a of archives) if (a.outcome.how !== 'local') rmSync(a.file, { force: true });
    return {
      dest,
      images: report.samples.length,
      counts: report.counts,
      skipped: report.skipped.length,
      replacedExisting: present.length > 0,
      archives: archives.map((a) => a.outcome),
      report,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    if (staged) rmSync(staged, { recursive: true, force: true });
    release();
    if (existsSync(work) && readdirSync(work).length === 0) rmSync(work, { recursive: true, force: true });
    // A failed first download should not leave an empty destination behind.
    if (createdDest && readdirSync(dest).length === 0) rmSync(dest, { recursive: true, force: true });
  }
}

/** The extracted files the dataset is made of (under images/ and annotations/), with their mtimes. */
function datasetFiles(staged: string, extracted: Record<string, { size: number; sha256: string }>): FileList {
  const out: FileList = {};
  for (const [rel, e] of Object.entries(extracted)) {
    if (!DATASET_DIRS.some((d) => rel.startsWith(d + '/'))) continue;
    out[rel] = { ...e, mtimeMs: statSync(join(staged, rel)).mtimeMs };
  }
  return out;
}

/** The previous download's manifest, re-checked for files changed meanwhile. */
function ownPrevious(dest: string): DownloadManifest | null {
  const blocked = overwriteBlocker(dest);
  if (blocked) throw new OverwriteRefusedError(blocked);
  return readManifest(dest);
}

type Emit = ReturnType<typeof progressEmitter>;

/** Gets one archive onto disk and verifies it; the error names the source and the problem. */
async function fetchArchive(
  spec: ArchiveSpec,
  work: string,
  opts: DownloadDatasetOptions,
  emit: Emit,
): Promise<{ file: string; outcome: ArchiveOutcome }> {
  const label = sourceLabel(spec.source);
  const outcome: ArchiveOutcome = { name: spec.name, source: label, how: 'local', bytes: 0, attempts: [], files: 0, skippedEntries: [], sha256: null };
  let file: string;
  let expectedSize: number | null = null;
  if (spec.source.kind === 'file') {
    file = spec.source.path;
    if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`${label}: archive file does not exist`);
    emit('download', spec.name, statSync(file).size, statSync(file).size);
  } else {
    file = join(work, spec.name);
    if (existsSync(file)) {
      // A complete archive from an earlier run whose extraction or import failed: re-verified below.
      outcome.how = 'reused';
    } else {
      outcome.how = 'downloaded';
      const r = await downloadResumable({
        url: spec.source.url,
        file,
        retries: opts.retries,
        retryDelayMs: opts.retryDelayMs,
        idleTimeoutMs: opts.idleTimeoutMs,
        signal: opts.signal,
        onProgress: (b, t) => emit('download', spec.name, b, t),
      });
      outcome.attempts = r.attempts;
      expectedSize = r.total;
    }
  }
  opts.signal?.throwIfAborted();
  let v: VerifyReport;
  try {
    v = await verifyArchive(file, { expectedSize, sha256: spec.sha256, onBytes: (n, t) => emit('verify', spec.name, n, t) });
    const want = spec.name.replace(/\.tar\.gz$/, '');
    if (!v.topLevel.includes(want)) {
      throw new Error(`archive has no ${want}/ folder at its top (found: ${v.topLevel.join(', ') || 'nothing'})`);
    }
  } catch (err) {
    // A bad download is deleted so the next run fetches it again; a local file is the user's and stays.
    if (spec.source.kind === 'http') rmSync(file, { force: true });
    const msg = (err as Error).message;
    throw new Error(`${label}: ${msg.startsWith(file) ? msg.slice(file.length + 2) : msg}${spec.source.kind === 'http' ? ' (downloaded copy deleted)' : ''}`, { cause: err });
  }
  outcome.bytes = v.compressedBytes;
  outcome.skippedEntries = v.skipped;
  outcome.sha256 = v.sha256;
  return { file, outcome };
}
