// One bound on the size of any image the studio decodes: photos and masks at import, in training,
// for the app's thumbnails and full views, and masks a client uploads. A PNG of 20000×20000 pixels
// of one colour is a few hundred KB on disk but 1.2 GB once decoded to RGB; the size is in the
// file's header, so such a file is refused from the header, before any pixel is decoded.
// sharp's own `limitInputPixels` is set to the same bound on every decode as a second guard.
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { DataFileError } from './data-file-error';

/**
 * The largest image accepted, in pixels (width × height): 100 megapixels, e.g. 10000×10000 or
 * a 12240×8160 medium-format photo. Decoded to 8-bit RGB that is 300 MB.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** Options for `sharp(input, …)` that bound the decode by the same limit. */
export const SHARP_PIXEL_LIMIT = { limitInputPixels: MAX_IMAGE_PIXELS } as const;

function megapixels(px: number): string {
  return `${Number((px / 1e6).toFixed(2))} megapixels`;
}

/** An image refused for its size alone (it may well be a valid image). */
export class PixelLimitError extends DataFileError {
  override name = 'PixelLimitError';
}

/** The reason an image of this size is refused, or undefined when it is within the limit. */
export function pixelLimitProblem(width: number, height: number): string | undefined {
  const px = width * height;
  if (px <= MAX_IMAGE_PIXELS) return undefined;
  return `image is ${width}×${height} (${megapixels(px)}), over the limit of ${megapixels(MAX_IMAGE_PIXELS)}`;
}

export interface ImageHeader {
  width: number;
  height: number;
  format: string;
  /** Bands as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA/CMYK). */
  channels: number;
  /** libvips sample format ('uchar' for 8-bit). */
  depth?: string;
}

async function isEmptyFile(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isFile() && st.size === 0,
    () => false,
  );
}

/**
 * Reads an image's header (no pixel decode) and refuses it when it is unreadable or over the
 * pixel limit. `name` is what the error names: the file path, or e.g. "uploaded mask".
 */
export async function readCheckedHeader(input: string | Uint8Array, name: string = typeof input === 'string' ? input : 'image'): Promise<ImageHeader> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    // Header only. sharp applies its own default pixel limit even here; it is lifted so the
    // size can be read and refused below with a reason that says it.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    // sharp calls a zero-byte file (an interrupted copy) an unsupported format; say what it is.
    if (typeof input === 'string' ? await isEmptyFile(input) : input.length === 0) throw new DataFileError(name, 'empty file (0 bytes)');
    throw new DataFileError(name, `not a readable image (${(err as Error).message.split('\n')[0]!.trim()})`);
  }
  if (!meta.width || !meta.height || !meta.format) throw new DataFileError(name, 'image header has no size');
  const problem = pixelLimitProblem(meta.width, meta.height);
  if (problem) throw new PixelLimitError(name, problem);
  return { width: meta.width, height: meta.height, format: meta.format, channels: meta.channels ?? 3, depth: meta.depth };
}
