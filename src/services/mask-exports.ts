// The mask exports behind exports.masks (a run's predictions) and exports.labels (a dataset's
// own masks or trimaps): PNG, COCO RLE or YOLO-seg polygons (engine/export/masks). Both keep the
// export rules of mask-export-target.ts: never into a dataset's photo or label folder, never over
// an existing file unless asked (the replaced file is kept in .versions/), both checked before
// the first file is written.
import { basename } from 'node:path';
import type { DatasetSummary, ExportLabelsResult, MaskExportFormatName, SplitName } from '../shared/contract';
import { StudioError } from '../shared/contract';
import { decodeMask } from '../engine/data/decode';
import type { Sample } from '../engine/types';
import { normalizeMaskFormat, plannedFiles, writeMaskExport, type MaskExportCategory, type MaskExportItem } from '../engine/export/masks/mask-export-files';
import type { EventBus } from './event-bus';
import { refuseDatasetFolders, refuseExistingFiles, writeMaskFile } from './mask-export-target';
import type { PathGuard } from './path-guard';
import type { StudioStore } from './store-types';

/** COCO/YOLO class of a dataset's foreground: the Oxford pets are 'pet'; a generic dataset's masks are 'foreground'. */
export function datasetCategory(dataset: Pick<DatasetSummary, 'layout'> | undefined): MaskExportCategory {
  return dataset?.layout === 'oxford' ? { name: 'pet', supercategory: 'animal' } : { name: 'foreground', supercategory: 'foreground' };
}

/** Refuses dataset folders and (unless overwrite) existing outputs; returns the checked folder. */
export function checkMaskExportTarget(
  deps: { guard: PathGuard; store: StudioStore },
  input: { folder: string; format: MaskExportFormatName; overwrite: boolean },
  ids: readonly string[],
): string {
  const folder = deps.guard.check(input.folder, 'export folder');
  refuseDatasetFolders(folder, deps.store.datasets.list());
  refuseExistingFiles(plannedFiles(folder, normalizeMaskFormat(input.format), ids), input.overwrite);
  return folder;
}

export async function exportLabelMasks(
  deps: { guard: PathGuard; store: StudioStore; bus: EventBus },
  input: { datasetId: number; split: SplitName | 'all'; folder: string; format: MaskExportFormatName; overwrite: boolean },
): Promise<ExportLabelsResult> {
  const dataset = deps.store.datasets.get(input.datasetId);
  if (!dataset) throw new StudioError('NOT_FOUND', `dataset ${input.datasetId} does not exist`);
  const splits: SplitName[] = input.split === 'all' ? ['train', 'valid', 'test'] : [input.split];
  const samples = splits.flatMap((s) => deps.store.datasets.samplesOfSplit(input.datasetId, s)).filter((s) => s.maskPath);
  if (samples.length === 0) throw new StudioError('NOT_FOUND', `dataset ${dataset.name} has no labeled images in ${input.split === 'all' ? 'any split' : `split "${input.split}"`}`);
  const folder = checkMaskExportTarget(deps, input, samples.map((s) => s.id));
  const t0 = performance.now();
  const items = labelItems(samples, (p) => deps.guard.check(p, 'label mask'));
  let lastSent = 0;
  const summary = await writeMaskExport({
    folder,
    format: normalizeMaskFormat(input.format),
    items,
    category: datasetCategory(dataset),
    description: `labels of ${dataset.name} (${dataset.root}), ${input.split}`,
    writeFile: (path, bytes) => writeMaskFile(path, bytes, input.overwrite) !== null,
    onProgress: (done, total) => {
      const now = Date.now();
      if (done === total || now - lastSent > 100) {
        lastSent = now;
        deps.bus.emit('export:progress', { exportId: null, runId: null, datasetId: input.datasetId, split: input.split, done, total });
      }
    },
  });
  return { datasetId: input.datasetId, split: input.split, folder, format: input.format, seconds: (performance.now() - t0) / 1000, ...summary };
}

/** A dataset's labeled samples as export items, decoded with the layout's rules (trimap 1/3 = pet). */
export function labelItems(samples: readonly Sample[], checkPath: (p: string) => string = (p) => p): MaskExportItem[] {
  return samples.map((s) => ({ id: s.id, fileName: basename(s.imagePath), load: () => decodeMask(checkPath(s.maskPath!), s.maskEncoding) }));
}
