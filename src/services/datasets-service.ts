// Datasets: import a folder and remember it, browse samples, thumbnails, read and edit masks.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { DatasetExistsError, downloadDataset, existingDataset } from '../engine/data/download';
import { importDataset } from '../engine/data/import-dataset';
import { resolveDataPath } from '../engine/data/resolve-data-path';
import type { ImportReport, Sample } from '../engine/types';
import type { RunConfig } from '../shared/run-config';
import {
  StudioError,
  type DatasetDownloadResult,
  type DatasetImportResult,
  type DatasetSummary,
  type MaskImage,
  type SampleDetail,
  type SamplePage,
  type SaveMaskResult,
} from '../shared/contract';
import { listVersions, replaceKeepingVersion, writeFileAtomic } from './atomic-write';
import { copySampleDataset, moveBundledSampleOut } from './sample-dataset-copy';
import type { EventBus } from './event-bus';
import { decodeMaskPng, encodeMask, readMaskFile } from './mask-png';
import { readCheckedHeader, SHARP_PIXEL_LIMIT } from '../engine/data/pixel-limit';
import type { PathGuard } from './path-guard';
import type { SampleQuery, StudioStore } from './store-types';

export interface DatasetsServiceDeps {
  store: StudioStore;
  bus: EventBus;
  guard: PathGuard;
  thumbnailsFolder: string;
  /** The app's data folder: default download destination and home of the first-start flag. */
  dataFolder: string;
  /**
   * Folders a dataset may be opened from (the HTTP host sets this; Electron leaves it unset,
   * since the folder comes from the user's own folder dialog).
   */
  importRoots?: string[];
}

/** File-name-safe form of a sample id for cache files. */
function cacheName(id: string): string {
  return encodeURIComponent(id).replace(/\./g, '%2E');
}

/**
 * Written in the data folder once the bundled sample has been opened on a first start (or found
 * unnecessary because datasets already existed). A file rather than a table: no schema change,
 * and `open(..., 'wx')` makes the claim atomic between the app and a server sharing the folder.
 */
export const SAMPLE_FLAG_FILE = 'sample-dataset-opened.json';

/** Where datasets.download puts Oxford-IIIT Pet when no destination is given. */
export function defaultDownloadDest(dataFolder: string): string {
  return join(dataFolder, 'datasets', 'oxford-iiit-pet');
}

export type FirstStartOutcome = 'opened' | 'not-needed' | 'done-before';

export class DatasetsService {
  /** The first-start import of the sample, awaited by list() so the first answer includes it. */
  private firstStart: Promise<unknown> | null = null;
  private activeDownload: { dest: string; controller: AbortController } | null = null;

  constructor(private readonly deps: DatasetsServiceDeps) {}

  /** Roots of every remembered dataset (for the path guard). */
  roots(): string[] {
    return this.deps.store.datasets.list().map((d) => d.root);
  }

  /** Starts the first-start sample import in the background (createStudioServices calls it). */
  startFirstStart(): void {
    const datasets = { list: () => this.deps.store.datasets.list(), relocate: this.relocate.bind(this) };
    this.firstStart ??= this.openSampleOnFirstStart()
      .then(() => moveBundledSampleOut(this.deps.dataFolder, datasets))
      .catch((err: Error) => {
        // A missing resources folder must not break the app: the user can still open folders.
        process.emitWarning(`could not open the sample dataset on first start: ${err.message}`);
      });
  }

  /**
   * Imports the bundled sample dataset when the store has none yet, exactly once per data folder:
   * the flag file stays after the user removes the sample, so it is not forced on them again.
   * The sample ships with the app, so it is opened regardless of the HTTP host's import roots.
   */
  async openSampleOnFirstStart(): Promise<FirstStartOutcome> {
    const flag = join(this.deps.dataFolder, SAMPLE_FLAG_FILE);
    let fd: number;
    try {
      fd = openSync(flag, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'done-before';
      throw err;
    }
    const record = (fields: Record<string, unknown>) => {
      writeSync(fd, JSON.stringify({ ...fields, at: new Date().toISOString() }) + '\n');
      closeSync(fd);
    };
    try {
      if (this.deps.store.datasets.list().length > 0) {
        record({ outcome: 'not-needed' });
        return 'not-needed';
      }
      // The user's own copy in the data folder: the bundled one is read-only in a packaged app.
      const root = copySampleDataset(this.deps.dataFolder);
      const report = await this.importWithProgress(root, { valFraction: 0.1, seed: 42 });
      if (report.samples.length === 0) throw new Error(`${root} holds no usable photo/mask pairs`);
      const dataset = this.deps.store.datasets.saveImport(report);
      record({ outcome: 'opened', datasetId: dataset.id, root });
      return 'opened';
    } catch (err) {
      // Not opened: take the claim back so the next start tries again.
      try {
        closeSync(fd);
      } catch {
        /* already closed by record() */
      }
      rmSync(flag, { force: true });
      throw err;
    }
  }

  /**
   * The path policy for a dataset folder a request names (to open, relocate to or train on):
   * PATH_REFUSED outside the folders this host may read, symlinks resolved. "sample" is the
   * bundled dataset, the app's own.
   */
  allowData(data: string): void {
    if (data !== 'sample') this.deps.guard.check(data, 'dataset folder', 'dataset-source');
  }

  /** A dataset folder a request names, checked by the path policy before the disk is asked about it. */
  private dataRoot(data: string): string {
    this.allowData(data);
    try {
      return resolveDataPath(data);
    } catch (err) {
      throw new StudioError('NOT_FOUND', (err as Error).message);
    }
  }

  /** Resolves a folder a request names and checks it may be imported from. */
  private importRoot(path: string): string {
    const root = this.dataRoot(path);
    if (!statSync(root).isDirectory()) throw new StudioError('INVALID_ARGUMENT', `${root} is not a folder`);
    return root;
  }

  private importWithProgress(root: string, opts: { valFraction: number; seed: number }): Promise<ImportReport> {
    let lastSent = 0;
    return importDataset(root, {
      valFraction: opts.valFraction,
      seed: opts.seed,
      onProgress: (done, total) => {
        // At most ~10 events a second: the UI draws a bar, not a log.
        const now = Date.now();
        if (done === total || now - lastSent > 100) {
          lastSent = now;
          this.deps.bus.emit('dataset:import-progress', { path: root, done, total });
        }
      },
    });
  }

  async open(input: { path: string; valFraction: number; seed: number }): Promise<DatasetImportResult> {
    const root = this.importRoot(input.path);
    const report = await this.importWithProgress(root, input);
    const dataset = this.deps.store.datasets.saveImport(report);
    return { dataset, skipped: report.skipped.slice(0, 200) };
  }

  /**
   * The dataset's folder moved: import the new folder and point the same dataset id at it, so its
   * runs and predictions stay linked. The new folder must hold at least half of its samples (by
   * name; Oxford names repeat across subsets, so one match proves nothing), so picking a wrong
   * folder cannot silently replace a dataset with another one.
   */
  async relocate(input: { datasetId: number; newPath: string; valFraction: number; seed: number }): Promise<DatasetImportResult> {
    const before = this.mustGet(input.datasetId);
    const root = this.importRoot(input.newPath);
    const report = await this.importWithProgress(root, input);
    if (report.samples.length === 0) throw new StudioError('INVALID_ARGUMENT', `${root} holds no usable photos`);
    const had = before.counts.train + before.counts.valid + before.counts.test + before.counts.unlabeled;
    const known = report.samples.filter((s) => this.deps.store.datasets.sample(before.id, s.id)).length;
    if (known * 2 < had) {
      throw new StudioError(
        'INVALID_ARGUMENT',
        `${root} does not look like the moved ${before.name}: only ${known} of its ${had} photos are there (open it as a new dataset instead)`,
      );
    }
    let dataset: DatasetSummary;
    try {
      dataset = this.deps.store.datasets.relocate(before.id, report);
    } catch (err) {
      if (/already remembered/.test((err as Error).message)) throw new StudioError('CONFLICT', (err as Error).message);
      throw err;
    }
    // Thumbnails are cached by dataset id and sample name and kept while newer than the photo;
    // a photo in the new place may be a different, older file, so the cache starts over.
    rmSync(join(this.deps.thumbnailsFolder, String(before.id)), { recursive: true, force: true });
    return { dataset, skipped: report.skipped.slice(0, 200) };
  }

  /**
   * Downloads Oxford-IIIT Pet with the engine's downloader, relaying its progress as
   * dataset:download-progress, and remembers the imported dataset. One download at a time.
   */
  async download(input: { dest?: string; urls?: { images?: string; annotations?: string }; overwrite: boolean }): Promise<DatasetDownloadResult> {
    if (this.activeDownload) throw new StudioError('CONFLICT', `a download into ${this.activeDownload.dest} is already running`);
    // Over HTTP the client is less trusted than the desktop user: it may write only where it may
    // open datasets or into the data folder (symlinks resolved), and fetch only over http(s).
    const dest = input.dest ? this.deps.guard.check(input.dest, 'download destination', 'download-dest') : defaultDownloadDest(this.deps.dataFolder);
    if (this.deps.importRoots) {
      for (const u of [input.urls?.images, input.urls?.annotations]) {
        if (u !== undefined && !/^https?:\/\//i.test(u)) throw new StudioError('PATH_REFUSED', `${u}: only http(s) archive URLs are accepted here`);
      }
    }
    const present = existingDataset(dest);
    if (present.length > 0 && !input.overwrite) {
      throw new StudioError('CONFLICT', `${dest} already holds a dataset (${present.map((d) => d + '/').join(', ')}); download again with overwrite to replace it`);
    }
    const controller = new AbortController();
    this.activeDownload = { dest, controller };
    let result;
    try {
      result = await downloadDataset({
        dest,
        imagesUrl: input.urls?.images,
        annotationsUrl: input.urls?.annotations,
        overwrite: input.overwrite,
        signal: controller.signal,
        importOptions: { valFraction: 0.1, seed: 42 },
        onProgress: (p) =>
          this.deps.bus.emit('dataset:download-progress', {
            dest,
            phase: p.phase,
            file: p.file,
            bytes: p.bytes,
            total: p.total,
            rate: Number.isFinite(p.rate) ? p.rate : 0,
            // NaN (unknown) would arrive as null over JSON anyway; say so in the type.
            etaSeconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : null,
          }),
      });
    } catch (err) {
      if (err instanceof DatasetExistsError) throw new StudioError('CONFLICT', err.message);
      if (controller.signal.aborted) throw new StudioError('CANCELLED', `download into ${dest} cancelled; a partial archive is kept and the next download resumes it`);
      if (this.deps.importRoots && (input.urls?.images || input.urls?.annotations)) {
        // A URL from an HTTP client can point into the host's own network: whether it was refused,
        // answered 404 or sent a banner would map internal services. The client gets one message
        // whatever happened; the operator's log gets the reason.
        console.warn(`datasets.download into ${dest} from a client's URL failed: ${(err as Error).message}`);
        throw new StudioError('INVALID_ARGUMENT', 'no dataset could be downloaded from the URLs given (the studio host logged the reason)');
      }
      throw err;
    } finally {
      this.activeDownload = null;
    }
    const dataset = this.deps.store.datasets.saveImport(result.report);
    return {
      dataset,
      dest: result.dest,
      images: result.images,
      skipped: result.skipped,
      replacedExisting: result.replacedExisting,
      seconds: result.seconds,
      archives: result.archives.map((a) => ({ name: a.name, source: a.source, how: a.how, bytes: a.bytes })),
    };
  }

  cancelDownload(): { cancelled: boolean } {
    if (!this.activeDownload) return { cancelled: false };
    this.activeDownload.controller.abort();
    return { cancelled: true };
  }

  /** Most recently used first; `missing` marks datasets whose folder is gone (moved, unmounted). */
  async list(): Promise<DatasetSummary[]> {
    if (this.firstStart) await this.firstStart;
    return this.deps.store.datasets.list().map((d) => ({ ...d, missing: !existsSync(d.root) }));
  }

  /** Forgets the dataset in the store only: no file of the dataset is deleted. */
  remove(datasetId: number): { removed: boolean } {
    const removed = this.deps.store.datasets.remove(datasetId);
    // The cached thumbnails are the app's own files, not the dataset's.
    if (removed) rmSync(join(this.deps.thumbnailsFolder, String(datasetId)), { recursive: true, force: true });
    return { removed };
  }

  samples(datasetId: number, q: SampleQuery): SamplePage {
    this.mustGet(datasetId);
    // Browsing the first page is "using" the dataset: the remembered list is ordered by last use.
    if (q.offset === 0) this.deps.store.datasets.touch(datasetId);
    if (q.order !== 'id' && q.runId === undefined) {
      throw new StudioError('INVALID_ARGUMENT', 'ordering by predicted Dice needs a runId');
    }
    const page = this.deps.store.datasets.samples(datasetId, q);
    return {
      total: page.total,
      offset: q.offset,
      items: page.items.map((s) => ({
        id: s.id,
        split: s.split,
        labeled: Boolean(s.maskPath),
        species: s.species,
        breed: s.breed,
        width: s.width,
        height: s.height,
        predictedDice: s.predictedDice,
      })),
    };
  }

  /** The stored sample, with its files checked to lie inside its dataset. */
  resolveSample(datasetId: number, sampleId: string): { dataset: DatasetSummary; sample: Sample } {
    const dataset = this.mustGet(datasetId);
    const sample = this.deps.store.datasets.sample(datasetId, sampleId);
    if (!sample) throw new StudioError('NOT_FOUND', `sample ${sampleId} is not in dataset ${datasetId}`);
    this.deps.guard.check(sample.imagePath, 'sample image');
    if (sample.maskPath) this.deps.guard.check(sample.maskPath, 'sample mask');
    return { dataset, sample };
  }

  sample(datasetId: number, sampleId: string): SampleDetail {
    const { sample } = this.resolveSample(datasetId, sampleId);
    return {
      datasetId,
      id: sample.id,
      split: sample.split,
      labeled: Boolean(sample.maskPath),
      species: sample.species,
      breed: sample.breed,
      classId: sample.classId,
      width: sample.width,
      height: sample.height,
      imagePath: sample.imagePath,
      maskPath: sample.maskPath,
      maskEncoding: sample.maskEncoding,
      maskVersions: sample.maskPath ? listVersions(sample.maskPath) : [],
    };
  }

  async thumbnail(datasetId: number, sampleId: string, size: number): Promise<Uint8Array> {
    const { sample } = this.resolveSample(datasetId, sampleId);
    const file = join(this.deps.thumbnailsFolder, String(datasetId), String(size), `${cacheName(sampleId)}.jpg`);
    // The cache is valid while it is newer than the photo (a replaced photo regenerates it).
    if (existsSync(file) && statSync(file).mtimeMs >= statSync(sample.imagePath).mtimeMs) return readFileSync(file);
    await readCheckedHeader(sample.imagePath);
    const bytes = await sharp(sample.imagePath, SHARP_PIXEL_LIMIT).rotate().resize(size, size, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer();
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, bytes);
    return bytes;
  }

  async image(datasetId: number, sampleId: string): Promise<Uint8Array> {
    const { sample } = this.resolveSample(datasetId, sampleId);
    await readCheckedHeader(sample.imagePath);
    return sharp(sample.imagePath, SHARP_PIXEL_LIMIT).png().toBuffer();
  }

  async readMask(datasetId: number, sampleId: string): Promise<MaskImage> {
    const { sample } = this.resolveSample(datasetId, sampleId);
    if (!sample.maskPath) throw new StudioError('NOT_FOUND', `sample ${sampleId} has no mask yet`);
    const mask = await readMaskFile(sample.maskPath, sample.maskEncoding);
    return { width: mask.width, height: mask.height, png: await encodeMask(mask, 'png-0-255') };
  }

  /**
   * Saves an edited mask in the dataset's own convention (a trimap stays a trimap, so the
   * folder still imports as the same layout), keeping the replaced file as a version.
   */
  async saveMask(datasetId: number, sampleId: string, png: Uint8Array): Promise<SaveMaskResult> {
    const { dataset, sample } = this.resolveSample(datasetId, sampleId);
    const mask = await decodeMaskPng(png, `mask sent for ${sampleId}`, sample);
    if (mask.width !== sample.width || mask.height !== sample.height) {
      throw new StudioError(
        'INVALID_ARGUMENT',
        `mask is ${mask.width}×${mask.height} but the image ${sampleId} is ${sample.width}×${sample.height}`,
      );
    }
    const encoding = sample.maskPath ? sample.maskEncoding : dataset.layout === 'oxford' ? 'trimap' : 'binary';
    const target =
      sample.maskPath ??
      (dataset.layout === 'oxford'
        ? join(dataset.root, 'annotations', 'trimaps', `${sample.id}.png`)
        : join(dataset.root, 'masks', `${sample.id}.png`));
    this.deps.guard.check(target, 'mask file');
    const bytes = await encodeMask(mask, encoding === 'trimap' ? 'trimap' : 'png-0-255');
    const previousVersion = replaceKeepingVersion(target, bytes);
    if (!sample.maskPath || sample.maskEncoding !== encoding) this.deps.store.datasets.setMaskPath(datasetId, sampleId, target, encoding);
    return { maskPath: target, previousVersion };
  }

  /** Training images a config would use: from the remembered dataset, else by importing it. */
  async countTrainImages(config: RunConfig): Promise<number> {
    const root = this.dataRoot(config.data);
    const known = this.deps.store.datasets.list().find((d) => d.root === root);
    if (known) return known.counts.train;
    const report = await importDataset(root, { valFraction: config.valFraction, seed: config.seed });
    return report.samples.filter((s) => s.split === 'train' && s.maskPath).length;
  }

  mustGet(datasetId: number): DatasetSummary {
    const d = this.deps.store.datasets.get(datasetId);
    if (!d) throw new StudioError('NOT_FOUND', `dataset ${datasetId} does not exist`);
    return d;
  }
}
