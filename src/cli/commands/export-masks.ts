// seg-studio export-masks: a dataset's own labels (or a folder of predicted PNG masks) as PNG,
// COCO RLE (annotations.json) or YOLO-seg polygon files, for labeling tools and other trainers.
// Same rules as the app's export: never into a dataset's photo or label folder, never over an
// existing file unless --overwrite (the old file kept in .versions/), checked before writing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { formatHelp, num, parseArgs, requireStr, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { importDataset } from '../../engine/data/import-dataset';
import { resolveDataPath } from '../../engine/data/resolve-data-path';
import { normalizeMaskFormat, plannedFiles, writeMaskExport, type MaskExportItem } from '../../engine/export/masks/mask-export-files';
import { DEFAULT_EPSILON, DEFAULT_MIN_PIXELS } from '../../engine/export/masks/yolo-seg';
import { ProgressBar } from '../../engine/util/progress';
import { datasetsAround, refuseDatasetFolders, refuseExistingFiles, writeMaskFile } from '../../services/mask-export-target';
import { datasetCategory, labelItems } from '../../services/mask-exports';
import { readMaskFile } from '../../services/mask-png';
import { printSkipped, skippedForJson } from '../skipped-report';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'data', type: 'string', aliases: ['data_path', 'data-path'], description: 'dataset folder (Oxford or images/+masks/ layout), or "sample"' },
  { name: 'source', type: 'string', description: 'labels (the dataset\'s masks/trimaps) or predictions (PNG masks in --masks)', default: 'labels' },
  { name: 'masks', type: 'string', description: 'with --source predictions: folder of NAME.png masks (0/255 or 0/1), e.g. what predict wrote' },
  { name: 'split', type: 'string', description: 'labels of train|valid|test|all (splits as training draws them)', default: 'all' },
  { name: 'format', type: 'string', description: 'png (0/255) | png-0-1 | coco | yolo', default: 'png' },
  { name: 'out', type: 'string', description: 'folder to write into' },
  { name: 'overwrite', type: 'boolean', description: 'replace files already in OUT (each old file is kept in .versions/); else refused' },
  { name: 'min-pixels', type: 'number', description: 'yolo: leave out objects (8-connected pieces) smaller than this', default: DEFAULT_MIN_PIXELS },
  { name: 'epsilon', type: 'number', description: 'yolo: polygon simplification tolerance in pixels (0 = every corner)', default: DEFAULT_EPSILON },
  JSON_FLAG,
];

/** NAME.png masks of a folder as export items; the photo names come from the dataset when given. */
function predictedItems(dir: string, photoNames: Map<string, string>): MaskExportItem[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: masks folder does not exist`);
  const files = readdirSync(dir).filter((n) => !n.startsWith('.') && extname(n).toLowerCase() === '.png').sort();
  return files.map((n) => {
    const id = basename(n, extname(n));
    return { id, fileName: photoNames.get(id) ?? n, load: () => readMaskFile(join(dir, n), 'binary') };
  });
}

export const exportMasksCommand: Command = {
  help: () =>
    formatHelp(
      'seg-studio export-masks --data DIR [--source labels] [--split all] --format png|png-0-1|coco|yolo --out DIR [--overwrite] [--json]\n' +
        '       seg-studio export-masks --source predictions --masks DIR [--data DIR] --format coco|yolo|png --out DIR',
      flags,
    ),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const source = str(f, 'source')!;
    if (source !== 'labels' && source !== 'predictions') throw new UsageError('--source must be labels or predictions');
    const split = str(f, 'split')!;
    if (!['train', 'valid', 'test', 'all'].includes(split)) throw new UsageError('--split must be train, valid, test or all');
    let format;
    try {
      format = normalizeMaskFormat(str(f, 'format')!);
    } catch (err) {
      throw new UsageError(`--format: ${(err as Error).message}`);
    }
    const minPixels = num(f, 'min-pixels')!;
    const epsilon = num(f, 'epsilon')!;
    if (!(minPixels >= 1) || !(epsilon >= 0)) throw new UsageError('--min-pixels must be at least 1 and --epsilon at least 0');
    const outDir = resolve(requireStr(f, 'out'));

    const dataArg = str(f, 'data');
    if (source === 'labels' && !dataArg) throw new UsageError('--data is required for --source labels');
    const report = dataArg ? await importDataset(resolveDataPath(dataArg)) : null;
    if (report) printSkipped(out, report.skipped);
    let items: MaskExportItem[];
    if (source === 'labels') {
      items = labelItems(report!.samples.filter((s) => s.maskPath && (split === 'all' || s.split === split)));
      if (items.length === 0) throw new Error(`${report!.root}: no labeled images in split "${split}"`);
    } else {
      items = predictedItems(resolve(requireStr(f, 'masks')), new Map((report?.samples ?? []).map((s) => [s.id, basename(s.imagePath)])));
      if (items.length === 0) throw new Error(`${resolve(requireStr(f, 'masks'))}: no .png masks found`);
    }

    // Never into a dataset's photos or labels (the one named, and any found by layout at OUT or
    // above), never over existing files unless asked: both before anything is written.
    const around = datasetsAround(outDir);
    if (report) around.push({ root: report.root, layout: report.layout });
    refuseDatasetFolders(outDir, around);
    const overwrite = Boolean(f.overwrite);
    refuseExistingFiles(plannedFiles(outDir, format, items.map((i) => i.id)), overwrite, 'pass --overwrite');

    const bar = new ProgressBar({ label: `export ${format}`, unit: 'mask' });
    const t0 = performance.now();
    const summary = await writeMaskExport({
      folder: outDir,
      format,
      items,
      category: datasetCategory(report ?? undefined),
      description: source === 'labels' ? `labels of ${report!.root} (${split})` : `predicted masks from ${resolve(requireStr(f, 'masks'))}`,
      yolo: { minPixels, epsilon },
      writeFile: (path, bytes) => writeMaskFile(path, bytes, overwrite) !== null,
      onProgress: (d, t) => bar.update(d, t),
    });
    bar.finish();
    const seconds = (performance.now() - t0) / 1000;
    out.result(
      { out: outDir, source, split, format, ...summary, seconds, skipped: skippedForJson(report?.skipped ?? []) },
      `wrote ${summary.images} masks as ${format} to ${outDir} (${summary.files} file${summary.files === 1 ? '' : 's'}` +
        `${summary.objects !== null ? `, ${summary.objects} ${format === 'coco' ? 'annotations' : 'polygons'}` : ''}${summary.replaced ? `, ${summary.replaced} replaced, old ones in .versions/` : ''}) in ${seconds.toFixed(1)} s`,
    );
    return 0;
  },
};
