// `seg-studio predict --format coco|yolo`: the same prediction as predictImages (photo resized to
// the model, probabilities resized back, thresholded), but the masks go to a MaskExportSink
// instead of one PNG each.
import type * as tf from '@tensorflow/tfjs';
import { basename, extname } from 'node:path';
import type { SkippedFile } from '../../types';
import { predictPhotoBatches } from '../../infer/predict';
import type { MaskExportSink } from './mask-export-files';

/** The output stem of each photo (its file name without extension), as predictImages names masks. */
export function photoStem(path: string): string {
  return basename(path, extname(path));
}

export async function predictIntoSink(opts: {
  model: tf.LayersModel;
  size: number;
  images: string[];
  sink: MaskExportSink;
  batchSize?: number;
  /** Test-time augmentation (infer/tta.ts). */
  tta?: boolean;
  /** Multi-scale test-time augmentation: the input sizes to average over (tta.ts); default only the model's own. */
  ttaSizes?: readonly number[];
  onProgress?: (done: number, total: number) => void;
}): Promise<{ written: Array<{ image: string; width: number; height: number; foregroundFraction: number }>; skipped: SkippedFile[] }> {
  const written: Array<{ image: string; width: number; height: number; foregroundFraction: number }> = [];
  const skipped: SkippedFile[] = [];
  for await (const batch of predictPhotoBatches(opts.model, opts.size, opts.images, { batchSize: opts.batchSize, tta: opts.tta, ttaSizes: opts.ttaSizes })) {
    skipped.push(...batch.skipped);
    for (const { path, photo, mask } of batch.predicted) {
      await opts.sink.add(photoStem(path), basename(path), { width: photo.width, height: photo.height, data: mask });
      let fg = 0;
      for (let k = 0; k < mask.length; k++) fg += mask[k]!;
      written.push({ image: path, width: photo.width, height: photo.height, foregroundFraction: fg / mask.length });
    }
    opts.onProgress?.(batch.done, opts.images.length);
  }
  return { written, skipped };
}
