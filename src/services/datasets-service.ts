// Datasets: import a folder and remember it, browse samples, thumbnails, read and edit masks.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { importDataset } from '../engine/data/import-dataset';
import { resolveDataPath } from '../engine/data/resolve-data-path';
import type { Sample } from '../engine/types';
import type { RunConfig } from '../shared/run-config';
import {
  StudioError,
  type DatasetImportResult,
  type DatasetSummary,
  type MaskImage,
  type SampleDetail,
  type SamplePage,
  type SaveMaskResult,
} from '../shared/contract';
import { listVersions, replaceKeepingVersion, writeFileAtomic } from './atomic-write';
import type { EventBus } from './event-bus';
import { decodeMaskPng, encodeMask, readMaskFile } from './mask-png';
import { isInside, type PathGuard } from './path-guard';
import type { SampleQuery, StudioStore } from './store-types';

export interface DatasetsServiceDeps {
  store: StudioStore;
  bus: EventBus;
  guard: PathGuard;
  thumbnailsFolder: string;
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

export class DatasetsService {
  constructor(private readonly deps: DatasetsServiceDeps) {}

  /** Roots of every remembered dataset (for the path guard). */
  roots(): string[] {
    return this.deps.store.datasets.list().map((d) => d.root);
  }

  async open(input: { path: string; valFraction: number; seed: number }): Promise<DatasetImportResult> {
    let root: string;
    try {
      root = resolveDataPath(input.path);
    } catch (err) {
      throw new StudioError('NOT_FOUND', (err as Error).message);
    }
    if (this.deps.importRoots) {
      const allowed = [...this.deps.importRoots, ...this.deps.guard.roots()];
      if (!allowed.some((r) => isInside(root, r))) {
        throw new StudioError('PATH_REFUSED', `${input.path}: datasets can be opened only from ${allowed.join(', ')}`);
      }
    }
    if (!statSync(root).isDirectory()) throw new StudioError('INVALID_ARGUMENT', `${root} is not a folder`);
    let lastSent = 0;
    const report = await importDataset(root, {
      valFraction: input.valFraction,
      seed: input.seed,
      onProgress: (done, total) => {
        // At most ~10 events a second: the UI draws a bar, not a log.
        const now = Date.now();
        if (done === total || now - lastSent > 100) {
          lastSent = now;
          this.deps.bus.emit('dataset:import-progress', { path: root, done, total });
        }
      },
    });
    const dataset = this.deps.store.datasets.saveImport(report);
    return { dataset, skipped: report.skipped.slice(0, 200) };
  }

  list(): DatasetSummary[] {
    return this.deps.store.datasets.list();
  }

  remove(datasetId: number): { removed: boolean } {
    return { removed: this.deps.store.datasets.remove(datasetId) };
  }

  samples(datasetId: number, q: SampleQuery): SamplePage {
    this.mustGet(datasetId);
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
    const bytes = await sharp(sample.imagePath).rotate().resize(size, size, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer();
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, bytes);
    return bytes;
  }

  async image(datasetId: number, sampleId: string): Promise<Uint8Array> {
    const { sample } = this.resolveSample(datasetId, sampleId);
    return sharp(sample.imagePath).png().toBuffer();
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
    const mask = await decodeMaskPng(png);
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
    let root: string;
    try {
      root = resolveDataPath(config.data);
    } catch (err) {
      throw new StudioError('NOT_FOUND', (err as Error).message);
    }
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
