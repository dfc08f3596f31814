// Exports: predicted masks as one-band PNG files (0/255 or 0/1) and a run's model folder. A mask
// export never writes into an opened dataset's photos or labels, and replaces existing files only
// when asked, keeping each replaced file in .versions/ (mask-export-target.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError, type ExportMasksResult, type ExportModelResult, type SplitName } from '../shared/contract';
import { resolveCheckpointDir } from '../engine/train/checkpoint';
import type { EventBus } from './event-bus';
import { checkpointToOnnx } from '../engine/export/onnx/export-onnx';
import { copyTfjsModel, refuseExistingModelFiles, tfjsModelFiles, writeModelFile } from './model-export-files';
import { encodeMask, readMaskFile } from './mask-png';
import { refuseDatasetFolders, refuseExistingFiles, writeMaskFile } from './mask-export-target';
import type { PathGuard } from './path-guard';
import type { PredictionsService } from './predictions-service';
import type { StudioStore } from './store-types';

export interface ExportsServiceDeps {
  store: StudioStore;
  bus: EventBus;
  guard: PathGuard;
  predictions: PredictionsService;
}

export class ExportsService {
  constructor(private readonly deps: ExportsServiceDeps) {}

  async masks(input: {
    runId: number;
    datasetId: number;
    split: SplitName;
    folder: string;
    format: '0-255' | '0-1';
    overwrite?: boolean;
  }): Promise<ExportMasksResult> {
    const folder = this.deps.guard.check(input.folder, 'export folder');
    refuseDatasetFolders(folder, this.deps.store.datasets.list());
    const overwrite = input.overwrite ?? false;
    const t0 = performance.now();
    let stored = this.deps.store.predictions.list(input.runId, input.datasetId, input.split);
    // One file per sample (ids are file stems, unique within a dataset), checked before any work.
    const target = (sampleId: string) => join(folder, `${sampleId}.png`);
    const ids = stored.length > 0 ? stored.map((p) => p.sampleId) : this.deps.store.datasets.samplesOfSplit(input.datasetId, input.split).filter((s) => s.maskPath).map((s) => s.id);
    refuseExistingFiles(ids.map(target), overwrite);
    // Exporting a split nobody predicted yet predicts it first, rather than failing.
    if (stored.length === 0) {
      await this.deps.predictions.run({ runId: input.runId, datasetId: input.datasetId, split: input.split });
      stored = this.deps.store.predictions.list(input.runId, input.datasetId, input.split);
    }
    const exportId = this.deps.store.exports.create({
      runId: input.runId,
      kind: 'masks',
      folder,
      detail: { datasetId: input.datasetId, split: input.split, format: input.format, overwrite },
    });
    try {
      mkdirSync(folder, { recursive: true });
      let done = 0;
      let replaced = 0;
      let lastSent = 0;
      for (const p of stored) {
        const src = this.deps.guard.check(p.maskPath, 'predicted mask');
        const mask = await readMaskFile(src, 'binary');
        // Without overwrite a file that appeared since the check is refused too (no-clobber write).
        if (writeMaskFile(target(p.sampleId), await encodeMask(mask, input.format === '0-1' ? 'png-0-1' : 'png-0-255'), overwrite)) replaced++;
        done++;
        const now = Date.now();
        if (done === stored.length || now - lastSent > 100) {
          lastSent = now;
          this.deps.bus.emit('export:progress', { exportId, runId: input.runId, split: input.split, done, total: stored.length });
        }
      }
      this.deps.store.exports.finish(exportId, done);
      return { exportId, folder, files: done, replaced, format: input.format, seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      this.deps.store.exports.fail(exportId, (err as Error).message);
      throw err;
    }
  }

  /**
   * A run's checkpoint as a TensorFlow.js folder (model.json, weights.bin, checkpoint.json; not
   * the optimizer state) or as one ONNX file (model.onnx, model-fp16.onnx with fp16) in `folder`.
   * Existing files are refused unless `overwrite` (then kept in .versions/), see model-export-files.ts.
   */
  async model(input: { runId: number; folder: string; which: 'best' | 'last'; format?: 'tfjs' | 'onnx'; fp16?: boolean; overwrite?: boolean }): Promise<ExportModelResult> {
    const run = this.deps.store.runs.get(input.runId);
    if (!run) throw new StudioError('NOT_FOUND', `run ${input.runId} does not exist`);
    const folder = this.deps.guard.check(input.folder, 'export folder');
    const format = input.format ?? 'tfjs';
    const overwrite = input.overwrite ?? false;
    if (input.fp16 && format !== 'onnx') throw new StudioError('INVALID_ARGUMENT', 'fp16 applies to the ONNX format only');
    let src: string;
    try {
      src = resolveCheckpointDir(join(run.runDir, input.which));
    } catch {
      throw new StudioError('NOT_FOUND', `run ${input.runId} has no ${input.which} checkpoint yet`);
    }
    const how = 'ask to overwrite';
    const onnxName = input.fp16 ? 'model-fp16.onnx' : 'model.onnx';
    if (format === 'onnx') refuseExistingModelFiles([join(folder, onnxName)], overwrite, how);
    else refuseExistingModelFiles(tfjsModelFiles(src).map((f) => join(folder, f)), overwrite, how);
    const t0 = performance.now();
    const exportId = this.deps.store.exports.create({ runId: input.runId, kind: 'model', folder, detail: { which: input.which, format, fp16: Boolean(input.fp16), overwrite } });
    try {
      mkdirSync(folder, { recursive: true });
      let files: string[];
      if (format === 'onnx') {
        const onnx = await checkpointToOnnx(src, { fp16: input.fp16, runId: run.id, runName: run.name });
        writeModelFile(join(folder, onnxName), onnx.bytes, overwrite);
        files = [onnxName];
      } else files = copyTfjsModel(src, folder, overwrite, how);
      this.deps.store.exports.finish(exportId, files.length);
      return { exportId, folder, files, format, seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      this.deps.store.exports.fail(exportId, (err as Error).message);
      throw err;
    }
  }
}
