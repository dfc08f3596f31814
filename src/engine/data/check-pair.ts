// Validates one photo/mask pair at import: the photo by its header (format, size, not cut
// short), the mask by a full decode (masks are small, and a bad value must be caught here rather
// than in epoch 3). Problems come back as a skip entry instead of an exception.
import { extname } from 'node:path';
import type { MaskEncoding, SkippedFile } from '../types';
import { decodeMask, PHOTO_FORMATS, readImageSize } from './decode';
import { DataFileError } from './data-file-error';
import { truncationProblem } from './file-complete';
import { PixelLimitError } from './pixel-limit';

/** Extensions that suggest a photo; used only to word the reason when a file cannot be read. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.gif', '.webp', '.tif', '.tiff', '.bmp', '.avif', '.heic', '.jp2', '.jxl']);

export type PairCheck = { ok: true; width: number; height: number } | { ok: false; skipped: SkippedFile };

function skip(file: string, reason: string): PairCheck {
  return { ok: false, skipped: { file, reason } };
}

function asSkip(err: unknown, fallbackFile: string): PairCheck {
  if (err instanceof DataFileError) return skip(err.file, err.problem);
  return skip(fallbackFile, (err as Error).message);
}

export async function checkPair(imagePath: string, maskPath: string | undefined, encoding: MaskEncoding): Promise<PairCheck> {
  let size: { width: number; height: number; format: string };
  try {
    size = await readImageSize(imagePath);
  } catch (err) {
    if (err instanceof PixelLimitError) return asSkip(err, imagePath);
    const ext = extname(imagePath).toLowerCase();
    if (!IMAGE_EXTENSIONS.has(ext)) return skip(imagePath, `not an image file (${ext || 'no extension'})`);
    return asSkip(err, imagePath);
  }
  if (!PHOTO_FORMATS.has(size.format)) return skip(imagePath, `not a photo (${size.format} file)`);
  try {
    const truncated = await truncationProblem(imagePath, size.format);
    if (truncated) return skip(imagePath, truncated);
  } catch (err) {
    return skip(imagePath, `cannot read file (${(err as Error).message})`);
  }
  if (maskPath) {
    try {
      const mask = await decodeMask(maskPath, encoding);
      if (mask.width !== size.width || mask.height !== size.height) {
        return skip(maskPath, `mask is ${mask.width}×${mask.height} but its image is ${size.width}×${size.height}`);
      }
    } catch (err) {
      return asSkip(err, maskPath);
    }
  }
  return { ok: true, width: size.width, height: size.height };
}
