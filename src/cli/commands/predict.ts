import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatHelp, parseArgs, num, requireStr, str, type FlagSpec, UsageError } from '../args';
import { predictToFormat } from './predict-to-format';
import { CliOutput } from '../output';
import { selectBackend } from '../../engine/backend/select-backend';
import { loadCheckpoint } from '../../engine/train/checkpoint';
import { listImageFiles, planOutputs, predictImages } from '../../engine/infer/predict';
import { datasetsAround, refuseDatasetFolders, refuseExistingFiles, writeMaskFile } from '../../services/mask-export-target';
import { ProgressBar } from '../../engine/util/progress';
import type { Command } from './command';
import { ignoredEntries, printSkipped, skippedForJson } from '../skipped-report';
import { BACKEND_FLAG, JSON_FLAG, TTA_SIZES_FLAG, readTtaSizes } from './command';

const flags: FlagSpec[] = [
  { name: 'checkpoint', type: 'string', aliases: ['model_path', 'model-path'], description: 'checkpoint folder (RUN/best)' },
  { name: 'input', type: 'string', aliases: ['data_path', 'input_dir'], description: 'folder of photos (or one photo)' },
  { name: 'out', type: 'string', aliases: ['output_dir'], description: 'folder for NAME.png masks', default: 'predictions' },
  { name: 'binary01', type: 'boolean', description: 'write masks as 0/1 instead of 0/255' },
  { name: 'format', type: 'string', description: 'png (one NAME.png each) | coco (annotations.json, RLE) | yolo (NAME.txt polygons)', default: 'png' },
  { name: 'overlay', type: 'boolean', description: 'also write OUT/overlays/NAME.png (photo with the mask tinted)' },
  { name: 'overwrite', type: 'boolean', description: 'replace files already in OUT (each old file is kept in .versions/); else refused' },
  { name: 'batch-size', type: 'number', aliases: ['batch_size'], description: 'images per step', default: 4 },
  { name: 'tta', type: 'boolean', default: true, description: 'test-time augmentation: average with the mirrored photo\'s prediction (on by default: +0.002 to +0.014 test Dice on every checkpoint of docs/quality.md, about 2× the time; --no-tta: off)' },
  TTA_SIZES_FLAG,
  BACKEND_FLAG,
  JSON_FLAG,
];

export const predictCommand: Command = {
  help: () => formatHelp('seg-studio predict --checkpoint PATH --input DIR --out DIR [--format png|coco|yolo] [--overlay] [--binary01] [--overwrite] [--no-tta] [--tta-sizes auto|SIZES] [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const input = resolve(requireStr(f, 'input'));
    if (!existsSync(input)) throw new Error(`${input}: does not exist`);
    const isFolder = statSync(input).isDirectory();
    const images = isFolder ? listImageFiles(input) : [input];
    const ignored = isFolder ? ignoredEntries(input, images) : [];
    printSkipped(out, ignored);
    if (images.length === 0) throw new Error(`${input}: no image files found`);
    const outDir = resolve(str(f, 'out')!);
    // Never into a dataset's own photos or labels (found by layout at OUT or above), never over
    // existing files unless asked: both checked before anything is loaded.
    const overwrite = Boolean(f.overwrite);
    refuseDatasetFolders(outDir, datasetsAround(outDir));
    const format = str(f, 'format')!;
    if (format === 'coco' || format === 'yolo') return predictToFormat({ format, f, out, images, ignored, outDir, overwrite });
    if (format !== 'png') throw new UsageError('--format must be png, coco or yolo');
    refuseExistingFiles(planOutputs(images, outDir, Boolean(f.overlay)).flatMap((p) => (p.overlay ? [p.mask, p.overlay] : [p.mask])), overwrite, 'pass --overwrite');
    const backend = await selectBackend(str(f, 'backend') as never);
    out.info(`backend: ${backend.backend} (${backend.device})`);
    const ckpt = await loadCheckpoint(resolve(requireStr(f, 'checkpoint')));
    const bar = new ProgressBar({ label: 'predict', unit: 'img' });
    const res = await predictImages({
      model: ckpt.model,
      size: ckpt.meta.config.size,
      images,
      outDir,
      binary01: Boolean(f.binary01),
      overlay: Boolean(f.overlay),
      batchSize: num(f, 'batch-size'),
      tta: Boolean(f.tta),
      ttaSizes: readTtaSizes(f, ckpt.meta.config),
      writeFile: (path, bytes) => void writeMaskFile(path, bytes, overwrite),
      onProgress: (d, t) => bar.update(d, t),
    });
    bar.finish();
    printSkipped(out, res.skipped);
    const skipped = skippedForJson([...ignored, ...res.skipped]);
    out.result(
      { written: res.written.length, skipped, out: outDir, backend: backend.backend, masks: res.written.map((w) => ({ image: w.image, mask: w.mask, width: w.width, height: w.height })) },
      `wrote ${res.written.length} masks to ${outDir}${skipped.length ? `; skipped ${skipped.length} (see above)` : ''}`,
    );
    return 0;
  },
};
