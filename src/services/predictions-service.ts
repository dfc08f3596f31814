// Predictions: score a run's best checkpoint on a dataset split, keep each predicted mask (at
// the photo's own size, one-band 0/255 PNG, made exactly as `seg-studio predict` makes it) under
// the data folder, and in the store the Dice of that file against the label.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../engine/train/checkpoint';
import { predictPhotoBatches } from '../engine/infer/predict';
import { maskDice } from '../engine/infer/probability-mask';
import { decodeMask } from '../engine/data/decode';
import { selectBackend } from '../engine/backend/select-backend';
import { autoTtaSizes, checkTtaSizes } from '../shared/tta-sizes';
import { StudioError, type MaskImage, type PredictionResult, type SplitName } from '../shared/contract';
import { writeFileAtomic } from './atomic-write';
import type { DatasetsService } from './datasets-service';
import { encodeMask } from './mask-png';
import type { PathGuard } from './path-guard';
import type { StudioStore } from './store-types';
import sharp from 'sharp';

export interface PredictionsServiceDeps {
  store: StudioStore;
  datasets: DatasetsService;
  guard: PathGuard;
  predictionsFolder: string;
}

/** Photos predicted per model call (their decoded pixels are held at once). */
const BATCH = 8;

type PredictionRequest = { runId: number; datasetId: number; split: SplitName; tta?: boolean; ttaSizes?: number[] | 'auto' };

export class PredictionsService {
  /** One prediction at a time: TensorFlow.js in this process is shared state. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PredictionsServiceDeps) {}

  /**
   * `tta`: average with the mirrored photo's prediction (engine/infer/tta.ts); on unless false.
   * `ttaSizes`: also average over these input sizes (multi-scale); default only the model's own.
   */
  run(input: PredictionRequest): Promise<PredictionResult> {
    const next = this.chain.then(() => this.predict(input));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async predict(input: PredictionRequest): Promise<PredictionResult> {
    const run = this.deps.store.runs.get(input.runId);
    if (!run) throw new StudioError('NOT_FOUND', `run ${input.runId} does not exist`);
    this.deps.datasets.mustGet(input.datasetId);
    const best = join(run.runDir, 'best');
    if (!existsSync(join(best, 'checkpoint.json')) && !existsSync(join(`${best}.old`, 'checkpoint.json'))) {
      throw new StudioError('NOT_FOUND', `run ${input.runId} has no best checkpoint yet (no finished epoch)`);
    }
    const samples = this.deps.store.datasets.samplesOfSplit(input.datasetId, input.split).filter((s) => s.maskPath);
    if (samples.length === 0) throw new StudioError('NOT_FOUND', `dataset ${input.datasetId} has no labeled ${input.split} images`);
    await selectBackend(run.config.backend);
    const ckpt = await loadCheckpoint(best);
    const size = ckpt.meta.config.size;
    const { model } = ckpt.meta.config;
    const ttaSizes = input.ttaSizes === 'auto' ? autoTtaSizes(size, model) : input.ttaSizes;
    if (ttaSizes) {
      try {
        checkTtaSizes(ttaSizes, model);
      } catch (err) {
        ckpt.model.dispose();
        throw new StudioError('INVALID_ARGUMENT', (err as Error).message);
      }
    }
    const outDir = join(this.deps.predictionsFolder, `run-${input.runId}`, `dataset-${input.datasetId}`);
    const items: Array<{ sampleId: string; dice: number; maskPath: string }> = [];
    const byPath = new Map(samples.map((s) => [s.imagePath, s]));
    try {
      for await (const batch of predictPhotoBatches(ckpt.model, size, [...byPath.keys()], { batchSize: BATCH, tta: input.tta ?? true, ttaSizes })) {
        if (batch.skipped.length > 0) throw new StudioError('INVALID_ARGUMENT', batch.skipped.map((s) => `${s.file}: ${s.reason}`).join('; '));
        for (const p of batch.predicted) {
          const sample = byPath.get(p.path)!;
          const truth = await decodeMask(sample.maskPath!, sample.maskEncoding);
          const mask = { width: p.photo.width, height: p.photo.height, data: p.mask };
          const maskPath = join(outDir, `${encodeURIComponent(sample.id)}.png`);
          // The app's own copy (re-predicting replaces it); exports and labels are written elsewhere, safely.
          writeFileAtomic(maskPath, await encodeMask(mask, 'png-0-255'));
          items.push({ sampleId: sample.id, dice: maskDice(p.mask, truth.data), maskPath });
        }
      }
    } finally {
      ckpt.model.dispose();
    }
    this.deps.store.predictions.save(input.runId, input.datasetId, input.split, items);
    return this.summarize(input.runId, input.datasetId, input.split, items);
  }

  list(input: { runId: number; datasetId: number; split: SplitName }): PredictionResult {
    return this.summarize(input.runId, input.datasetId, input.split, this.deps.store.predictions.list(input.runId, input.datasetId, input.split));
  }

  async mask(input: { runId: number; datasetId: number; sampleId: string }): Promise<MaskImage> {
    const p = this.deps.store.predictions.get(input.runId, input.datasetId, input.sampleId);
    if (!p) throw new StudioError('NOT_FOUND', `run ${input.runId} has not predicted ${input.sampleId} (run a prediction first)`);
    const path = this.deps.guard.check(p.maskPath, 'predicted mask');
    const png = readFileSync(path);
    const meta = await sharp(png).metadata();
    return { width: meta.width ?? 0, height: meta.height ?? 0, png };
  }

  private summarize(runId: number, datasetId: number, split: SplitName, items: Array<{ sampleId: string; dice: number }>): PredictionResult {
    const meanDice = items.length ? items.reduce((a, b) => a + b.dice, 0) / items.length : 0;
    return { runId, datasetId, split, meanDice, items: items.map((i) => ({ sampleId: i.sampleId, dice: i.dice })) };
  }
}
