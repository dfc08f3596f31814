// `seg-studio predict --format coco|yolo`: predicted masks written as one COCO annotations.json
// or YOLO-seg NAME.txt files (plus classes.txt) instead of NAME.png files. Kept out of predict.ts
// so that command stays about PNG masks and overlays.
import { resolve } from 'node:path';
import { num, requireStr, str, UsageError, type ParsedArgs } from '../args';
import type { CliOutput } from '../output';
import { selectBackend } from '../../engine/backend/select-backend';
import { loadCheckpoint } from '../../engine/train/checkpoint';
import { planOutputs } from '../../engine/infer/predict';
import { MaskExportSink, plannedFiles } from '../../engine/export/masks/mask-export-files';
import { photoStem, predictIntoSink } from '../../engine/export/masks/predict-to-format';
import type { SkippedFile } from '../../engine/types';
import { ProgressBar } from '../../engine/util/progress';
import { refuseExistingFiles, writeMaskFile } from '../../services/mask-export-target';
import { printSkipped, skippedForJson } from '../skipped-report';
import { readTtaSizes } from './command';

export async function predictToFormat(a: {
  format: 'coco' | 'yolo';
  f: ParsedArgs['flags'];
  out: CliOutput;
  images: string[];
  ignored: SkippedFile[];
  outDir: string;
  overwrite: boolean;
}): Promise<number> {
  if (a.f.overlay) throw new UsageError('--overlay writes PNG files: use it with --format png');
  if (a.f.binary01) throw new UsageError('--binary01 is a PNG option: use it with --format png');
  planOutputs(a.images, a.outDir, false); // refuses two photos with one stem, naming both
  refuseExistingFiles(plannedFiles(a.outDir, a.format, a.images.map(photoStem)), a.overwrite, 'pass --overwrite');
  const backend = await selectBackend(str(a.f, 'backend') as never);
  a.out.info(`backend: ${backend.backend} (${backend.device})`);
  const ckpt = await loadCheckpoint(resolve(requireStr(a.f, 'checkpoint')));
  const sink = new MaskExportSink({
    folder: a.outDir,
    format: a.format,
    // The checkpoint does not say what its foreground is (its dataset may be elsewhere): a neutral name.
    category: { name: 'foreground' },
    description: `masks predicted by ${resolve(requireStr(a.f, 'checkpoint'))}`,
    writeFile: (path, bytes) => writeMaskFile(path, bytes, a.overwrite) !== null,
  });
  const bar = new ProgressBar({ label: 'predict', unit: 'img' });
  const res = await predictIntoSink({
    model: ckpt.model,
    size: ckpt.meta.config.size,
    images: a.images,
    sink,
    batchSize: num(a.f, 'batch-size'),
    tta: Boolean(a.f.tta),
    ttaSizes: readTtaSizes(a.f, ckpt.meta.config),
    onProgress: (d, t) => bar.update(d, t),
  });
  const summary = sink.finish();
  bar.finish();
  printSkipped(a.out, res.skipped);
  const skipped = skippedForJson([...a.ignored, ...res.skipped]);
  a.out.result(
    { written: res.written.length, skipped, out: a.outDir, backend: backend.backend, format: a.format, files: summary.files, objects: summary.objects, masks: res.written },
    `wrote ${res.written.length} masks as ${a.format} to ${a.outDir} (${summary.files} files, ${summary.objects} ${a.format === 'coco' ? 'annotations' : 'polygons'})${skipped.length ? `; skipped ${skipped.length} (see above)` : ''}`,
  );
  return 0;
}
