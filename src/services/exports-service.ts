// Exports: predicted masks as one-band PNG files (0/255 or 0/1) and a run's model folder. A mask
// export never writes into an opened dataset's photos or labels, and replaces existing files only
// when asked, keeping each replaced file in .versions/ (mask-export-target.ts).
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StudioError, type ExportMasksResult, type ExportModelResult, type SplitName } from '../shared/contract';
import { resolveCheckpointDir } from '../engine/train/checkpoint';
import type { EventBus } from './event-bus';
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

  model(input: { runId: number; folder: string; which: 'best' | 'last' }): ExportModelResult {
    const run = this.deps.store.runs.get(input.runId);
    if (!run) throw new StudioError('NOT_FOUND', `run ${input.runId} does not exist`);
    const folder = this.deps.guard.check(input.folder, 'export folder');
    let src: string;
    try {
      src = resolveCheckpointDir(join(run.runDir, input.which));
    } catch {
      throw new StudioError('NOT_FOUND', `run ${input.runId} has no ${input.which} checkpoint yet`);
    }
    const exportId = this.deps.store.exports.create({ runId: input.runId, kind: 'model', folder, detail: { which: input.which } });
    try {
      mkdirSync(folder, { recursive: true });
      // The optimizer state is for resuming, not for using the model: leave it behind.
      cpSync(src, folder, { recursive: true, filter: (f) => !f.endsWith('optimizer.bin') });
      const files = readdirSync(folder).filter((f) => existsSync(join(folder, f)));
      this.deps.store.exports.finish(exportId, files.length);
      return { exportId, folder, files };
    } catch (err) {
      this.deps.store.exports.fail(exportId, (err as Error).message);
      throw err;
    }
  }
}
