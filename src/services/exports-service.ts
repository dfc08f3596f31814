// Exports: predicted masks (one-band PNG 0/255 or 0/1, COCO RLE, YOLO-seg polygons), a dataset's
// own labels in the same formats (mask-exports.ts), and a run's model folder. A mask
// export never writes into an opened dataset's photos or labels, and replaces existing files only
// when asked, keeping each replaced file in .versions/ (mask-export-target.ts).
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StudioError, type ExportLabelsResult, type ExportMasksResult, type ExportModelResult, type MaskExportFormatName, type SplitName } from '../shared/contract';
import { resolveCheckpointDir } from '../engine/train/checkpoint';
import type { EventBus } from './event-bus';
import { checkpointToOnnx } from '../engine/export/onnx/export-onnx';
import { checkpointToPth } from '../engine/interop/export-pth';
import { copyTfjsModel, refuseExistingModelFiles, tfjsModelFiles, writeModelFile } from './model-export-files';
import { normalizeMaskFormat, writeMaskExport } from '../engine/export/masks/mask-export-files';
import { readMaskFile } from './mask-png';
import { writeMaskFile } from './mask-export-target';
import { checkMaskExportTarget, datasetCategory, exportLabelMasks } from './mask-exports';
import type { PathGuard } from './path-guard';
import type { PredictionsService } from './predictions-service';
import type { StudioStore } from './store-types';

export interface ExportsServiceDeps {
  store: StudioStore;
  bus: EventBus;
  guard: PathGuard;
  predictions: PredictionsService;
}

/** A PyTorch export's file name in the chosen folder (the reference model's state_dict). */
const PTH_NAME = 'model.pth';

export class ExportsService {
  constructor(private readonly deps: ExportsServiceDeps) {}

  async masks(input: {
    runId: number;
    datasetId: number;
    split: SplitName;
    folder: string;
    format: MaskExportFormatName;
    overwrite?: boolean;
  }): Promise<ExportMasksResult> {
    const overwrite = input.overwrite ?? false;
    const t0 = performance.now();
    let stored = this.deps.store.predictions.list(input.runId, input.datasetId, input.split);
    // One file per sample (ids are file stems, unique within a dataset), checked before any work.
    const ids = stored.length > 0 ? stored.map((p) => p.sampleId) : this.deps.store.datasets.samplesOfSplit(input.datasetId, input.split).filter((s) => s.maskPath).map((s) => s.id);
    const folder = checkMaskExportTarget(this.deps, { ...input, overwrite }, ids);
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
      const photos = new Map(this.deps.store.datasets.samplesOfSplit(input.datasetId, input.split).map((s) => [s.id, basename(s.imagePath)]));
      let lastSent = 0;
      const summary = await writeMaskExport({
        folder,
        format: normalizeMaskFormat(input.format),
        items: stored.map((p) => ({
          id: p.sampleId,
          fileName: photos.get(p.sampleId) ?? `${p.sampleId}.png`,
          load: () => readMaskFile(this.deps.guard.check(p.maskPath, 'predicted mask'), 'binary'),
        })),
        category: datasetCategory(this.deps.store.datasets.get(input.datasetId)),
        description: `masks predicted by run ${input.runId} for dataset ${input.datasetId}, split ${input.split}`,
        // Without overwrite a file that appeared since the check is refused too (no-clobber write).
        writeFile: (path, bytes) => writeMaskFile(path, bytes, overwrite) !== null,
        onProgress: (done, total) => {
          const now = Date.now();
          if (done === total || now - lastSent > 100) {
            lastSent = now;
            this.deps.bus.emit('export:progress', { exportId, runId: input.runId, split: input.split, done, total });
          }
        },
      });
      this.deps.store.exports.finish(exportId, summary.files);
      return { exportId, folder, files: summary.files, replaced: summary.replaced, format: input.format, images: summary.images, objects: summary.objects, seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      this.deps.store.exports.fail(exportId, (err as Error).message);
      throw err;
    }
  }

  /** A dataset's own labels in PNG, COCO or YOLO-seg (mask-exports.ts). */
  labels(input: { datasetId: number; split: SplitName | 'all'; folder: string; format: MaskExportFormatName; overwrite?: boolean }): Promise<ExportLabelsResult> {
    return exportLabelMasks(this.deps, { ...input, overwrite: input.overwrite ?? false });
  }

  /**
   * A run's checkpoint as a TensorFlow.js folder (model.json, weights.bin, checkpoint.json; not
   * the optimizer state), as one ONNX file (model.onnx, model-fp16.onnx with fp16) or as the
   * reference PyTorch model's state_dict (model.pth, engine/interop/export-pth.ts) in `folder`.
   * Existing files are refused unless `overwrite` (then kept in .versions/), see model-export-files.ts.
   */
  async model(input: { runId: number; folder: string; which: 'best' | 'last'; format?: 'tfjs' | 'onnx' | 'pytorch'; fp16?: boolean; overwrite?: boolean }): Promise<ExportModelResult> {
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
    else if (format === 'pytorch') refuseExistingModelFiles([join(folder, PTH_NAME)], overwrite, how);
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
      } else if (format === 'pytorch') {
        writeModelFile(join(folder, PTH_NAME), (await checkpointToPth(src)).bytes, overwrite);
        files = [PTH_NAME];
      } else files = copyTfjsModel(src, folder, overwrite, how);
      this.deps.store.exports.finish(exportId, files.length);
      return { exportId, folder, files, format, seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      this.deps.store.exports.fail(exportId, (err as Error).message);
      throw err;
    }
  }

}
