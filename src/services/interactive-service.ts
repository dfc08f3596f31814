// Click-to-segment in the label editor (issue 13): each click sends the clicks so far and gets
// back the click model's mask at the photo's size. A click must cost only the click encoding and
// one forward pass on the compiled native plan, so what does not change between clicks is kept:
// the run's checkpoint (one model at a time, loaded once; reloaded when the run writes a newer
// best checkpoint) and each recent photo's resized, normalised model input.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend/select-backend';
import { decodeImage } from '../engine/data/decode';
import { modelInputFromImage } from '../engine/infer/model-input';
import { probabilitiesToMask } from '../engine/infer/probability-mask';
import { thresholdMask } from '../engine/interactive/click-simulator';
import { photoToModelClick } from '../engine/interactive/clicks';
import { assertInteractiveModel, interactiveSettingsOf, predictWithClicks, type InteractiveSettings } from '../engine/interactive/interactive-predict';
import { loadCheckpoint, resolveCheckpointDir } from '../engine/train/checkpoint';
import { StudioError, type ClickMaskResult, type InteractiveRunInfo } from '../shared/contract';
import { decodeMaskRuns, encodeMaskRuns } from '../shared/mask-runs';
import type { DatasetsService } from './datasets-service';
import type { StudioStore } from './store-types';

export interface ClickRequest {
  datasetId: number;
  sampleId: string;
  runId: number;
  /** In photo pixels (may be fractional: the editor reports the pointer's position). */
  clicks: Array<{ x: number; y: number; positive: boolean }>;
  prevMask?: { size: number; runs: number[] };
}

interface LoadedModel {
  runId: number;
  /** The checkpoint folder and its checkpoint.json's mtime: a newer best means a reload. */
  dir: string;
  stamp: number;
  epoch: number;
  backend: string;
  model: tf.LayersModel;
  settings: InteractiveSettings;
}

interface PhotoInput {
  imagePath: string;
  mtimeMs: number;
  width: number;
  height: number;
  size: number;
  rgb: Float32Array;
}

/** Photos whose model input is kept (a few: the one being labeled and those just visited). */
const PHOTO_CACHE = 6;

export class InteractiveService {
  /** One click at a time: TensorFlow.js in this process is shared state, and answers keep their order. */
  private chain: Promise<unknown> = Promise.resolve();
  private loaded: LoadedModel | null = null;
  private readonly photos = new Map<string, PhotoInput>();

  constructor(private readonly deps: { store: StudioStore; datasets: DatasetsService }) {}

  click(input: ClickRequest): Promise<ClickMaskResult> {
    const next = this.chain.then(() => this.answer(input));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Click-to-segment runs that have a checkpoint: runs of this dataset's folder first, newest first. */
  interactiveRuns(datasetId: number): InteractiveRunInfo[] {
    const dataset = this.deps.datasets.mustGet(datasetId);
    const out: InteractiveRunInfo[] = [];
    for (const r of this.deps.store.runs.list(10000)) {
      if (!r.config.interactive?.enabled || r.epochsCompleted < 1) continue;
      out.push({
        runId: r.id,
        name: r.name,
        status: r.status,
        model: r.config.model,
        base: r.config.base,
        size: r.config.size,
        epochsCompleted: r.epochsCompleted,
        bestValidDice: r.bestValidDice,
        sameDataset: resolve(r.config.data) === dataset.root,
      });
    }
    return out.sort((a, b) => Number(b.sameDataset) - Number(a.sameDataset) || b.runId - a.runId);
  }

  /** Frees the cached model (the service stays usable; the next click loads again). */
  release(): void {
    this.loaded?.model.dispose();
    this.loaded = null;
    this.photos.clear();
  }

  private async answer(input: ClickRequest): Promise<ClickMaskResult> {
    const t0 = performance.now();
    const { sample } = this.deps.datasets.resolveSample(input.datasetId, input.sampleId);
    const modelCold = await this.ensureModel(input.runId);
    const m = this.loaded!;
    const { photo, cold: photoCold } = await this.photoInput(input.datasetId, sample.id, sample.imagePath, m.settings.size);
    const { width, height } = photo;
    const size = m.settings.size;
    const clicks = input.clicks.map((c, i) => {
      if (c.x < 0 || c.y < 0 || c.x >= width || c.y >= height) {
        throw new StudioError('INVALID_ARGUMENT', `click ${i + 1} at (${c.x}, ${c.y}) is outside the photo ${sample.id} (${width}×${height})`);
      }
      return photoToModelClick(c, width, height, size);
    });
    let prev: Uint8Array | null = null;
    // A previous mask from another model size (the user switched runs) is dropped, not resized:
    // the model was trained on its own previous answers.
    if (input.prevMask && input.prevMask.size === size) {
      prev = decodeMaskRuns(input.prevMask.runs, size * size);
      if (!prev) throw new StudioError('INVALID_ARGUMENT', `prevMask: its runs do not cover ${size}×${size} pixels`);
    }
    const tm = performance.now();
    const probs = await predictWithClicks(m.model, photo.rgb, clicks, prev, m.settings);
    const modelMs = performance.now() - tm;
    const modelMask = thresholdMask(probs);
    const mask = probabilitiesToMask(probs, size, width, height);
    return {
      width,
      height,
      runs: encodeMaskRuns(mask),
      modelMask: { size, runs: encodeMaskRuns(modelMask) },
      ms: performance.now() - t0,
      modelMs,
      cold: modelCold || photoCold,
      checkpointEpoch: m.epoch,
    };
  }

  /** Loads the run's best checkpoint unless it is the one held; true when it had to load. */
  private async ensureModel(runId: number): Promise<boolean> {
    const run = this.deps.store.runs.get(runId);
    if (!run) throw new StudioError('NOT_FOUND', `run ${runId} does not exist`);
    if (!run.config.interactive?.enabled) {
      throw new StudioError('INVALID_ARGUMENT', `run ${runId} is not a click-to-segment run (train one with the "interactive" option)`);
    }
    let dir: string;
    try {
      dir = resolveCheckpointDir(join(run.runDir, 'best'));
    } catch {
      throw new StudioError('NOT_FOUND', `run ${runId} has no best checkpoint yet (no finished epoch)`);
    }
    const stamp = statSync(join(dir, 'checkpoint.json')).mtimeMs;
    const held = this.loaded;
    if (held && held.runId === runId && held.dir === dir && held.stamp === stamp && tf.getBackend() === held.backend) return false;
    held?.model.dispose();
    this.loaded = null;
    const backend = await selectBackend(run.config.backend);
    const ckpt = await loadCheckpoint(dir);
    ckpt.optimizerWeights?.forEach((w) => w.tensor.dispose());
    const settings = interactiveSettingsOf(ckpt.meta.config);
    try {
      if (!settings) throw new StudioError('INVALID_ARGUMENT', `${dir}: the checkpoint is not a click-to-segment model`);
      assertInteractiveModel(ckpt.model, `${dir}`);
    } catch (err) {
      ckpt.model.dispose();
      throw err instanceof StudioError ? err : new StudioError('INVALID_ARGUMENT', (err as Error).message);
    }
    this.loaded = { runId, dir, stamp, epoch: ckpt.meta.epoch, backend: backend.backend, model: ckpt.model, settings: settings! };
    return true;
  }

  /** The photo's model input, from the cache while the file is unchanged. */
  private async photoInput(datasetId: number, sampleId: string, imagePath: string, size: number): Promise<{ photo: PhotoInput; cold: boolean }> {
    const key = `${datasetId}/${sampleId}`;
    const mtimeMs = statSync(imagePath).mtimeMs;
    const hit = this.photos.get(key);
    if (hit && hit.imagePath === imagePath && hit.mtimeMs === mtimeMs && hit.size === size) {
      this.photos.delete(key);
      this.photos.set(key, hit); // most recently used last
      return { photo: hit, cold: false };
    }
    const img = await decodeImage(imagePath);
    const rgb = new Float32Array(size * size * 3);
    modelInputFromImage(img, size, rgb, 0);
    const photo: PhotoInput = { imagePath, mtimeMs, width: img.width, height: img.height, size, rgb };
    this.photos.delete(key);
    this.photos.set(key, photo);
    while (this.photos.size > PHOTO_CACHE) this.photos.delete(this.photos.keys().next().value!);
    return { photo, cold: true };
  }
}
