// Decoding photos and masks into plain typed arrays. Files are decoded by their content, never
// their extension: the real Oxford release holds a PNG and a GIF named `.jpg`, and sharp (libvips)
// sniffs the format from the bytes.
//
// Orientation: Oxford trimaps were drawn on the pixels as stored, ignoring any EXIF orientation tag,
// so photos are NOT auto-rotated here (sharp only rotates when asked). Photo and mask therefore
// share one pixel grid; widths and heights reported at import are the stored ones too.
import sharp from 'sharp';
import type { BinaryMask, MaskEncoding, RgbImage } from '../types';
import { DataFileError } from './data-file-error';
import { readCheckedHeader, SHARP_PIXEL_LIMIT } from './pixel-limit';

/** Formats accepted as photos (sharp's metadata().format names). */
export const PHOTO_FORMATS = new Set(['jpeg', 'png', 'gif', 'webp', 'tiff', 'heif', 'avif', 'bmp', 'jp2', 'jxl']);

/** Only here to name the type of sharp's raw output (its namespace types do not resolve under ESM). */
const rawWithInfo = (path: string) => sharp(path).raw().toBuffer({ resolveWithObject: true });

function fail(path: string, problem: string, cause?: unknown): DataFileError {
  // sharp's messages repeat the path or span lines; keep its first line as the detail.
  const detail = cause instanceof Error ? ` (${cause.message.split('\n')[0]!.trim()})` : '';
  return new DataFileError(path, `${problem}${detail}`);
}

/**
 * Decodes a photo to 8-bit interleaved RGB in stored orientation. Alpha is composited over black
 * (sharp's default background, the same one the JPEG thumbnails get), grey and CMYK become sRGB.
 */
export async function decodeImage(path: string): Promise<RgbImage> {
  // Refused from the header when over the pixel limit, before any decode.
  await readCheckedHeader(path);
  let out: Awaited<ReturnType<typeof rawWithInfo>>;
  try {
    // failOn 'error': a truncated JPEG must fail rather than come back half grey.
    out = await sharp(path, { failOn: 'error', ...SHARP_PIXEL_LIMIT })
      .flatten()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw fail(path, 'cannot decode image', err);
  }
  const { width, height, channels } = out.info;
  if (channels !== 3 || out.data.length !== width * height * 3) {
    throw fail(path, `decoded to ${channels} channels, expected RGB`);
  }
  return { width, height, data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length) };
}

/** Stored width/height and format from the file header only (no pixel decode); over the pixel limit is an error. */
export async function readImageSize(path: string): Promise<{ width: number; height: number; format: string }> {
  const { width, height, format } = await readCheckedHeader(path);
  return { width, height, format };
}

/** Single-channel mask samples as stored, without any value mapping. */
async function readMaskSamples(path: string): Promise<{ width: number; height: number; values: Uint8Array }> {
  let out: Awaited<ReturnType<typeof rawWithInfo>>;
  const meta = await readCheckedHeader(path);
  try {
    const img = sharp(path, { failOn: 'error', ...SHARP_PIXEL_LIMIT });
    // 16-bit samples would be rescaled on the way to 8 bits, changing class values silently.
    if (meta.depth && meta.depth !== 'uchar' && meta.depth !== 'char') {
      throw new DataFileError(path, `mask has ${meta.depth} samples, expected 8-bit`);
    }
    // Grey masks: take the band as stored (sharp would otherwise expand it to sRGB). Colour or
    // palette masks: decode as RGB and require equal channels below.
    out = await ((meta.channels ?? 3) <= 2 ? img.extractChannel(0) : img.removeAlpha()).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw fail(path, 'cannot decode mask', err);
  }
  const { width, height, channels } = out.info;
  const px = width * height;
  const all = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length);
  if (all.length !== px * channels) throw fail(path, `mask decoded to ${all.length} bytes for ${width}×${height}×${channels}`);
  if (channels === 1) return { width, height, values: all };
  // A grey mask saved as RGB is fine as long as the channels agree; a colour mask is not a mask.
  const values = new Uint8Array(px);
  for (let i = 0, p = 0; i < px; i++, p += channels) {
    const v = all[p]!;
    if (all[p + 1] !== v || all[p + 2] !== v) {
      throw fail(path, `mask has colour pixels (at x=${i % width}, y=${Math.floor(i / width)}), expected a grey mask`);
    }
    values[i] = v;
  }
  return { width, height, values };
}

/**
 * Decodes a mask to 0/1. Trimap: 1 (pet) and 3 (border) → 1, 2 (background) → 0 — the border band
 * counts as pet, as in the reference. Binary: values must be 0/1 or 0/255 (not both 1 and 255). 8-bit masks only.
 * Any other value is an Error naming the file, the value and where it first occurs.
 */
export async function decodeMask(path: string, encoding: MaskEncoding): Promise<BinaryMask> {
  const { width, height, values } = await readMaskSamples(path);
  const data = new Uint8Array(width * height);
  const where = (i: number) => `x=${i % width}, y=${Math.floor(i / width)}`;
  if (encoding === 'trimap') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === 1 || v === 3) data[i] = 1;
      else if (v !== 2) throw fail(path, `trimap has value ${v} (at ${where(i)}), expected only 1, 2 or 3`);
    }
  } else {
    let seen1 = -1;
    let seen255 = -1;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === 0) continue;
      if (v === 1) {
        if (seen1 < 0) seen1 = i;
      } else if (v === 255) {
        if (seen255 < 0) seen255 = i;
      } else throw fail(path, `binary mask has value ${v} (at ${where(i)}), expected 0/1 or 0/255`);
      data[i] = 1;
    }
    if (seen1 >= 0 && seen255 >= 0) {
      throw fail(path, `binary mask mixes value 1 (at ${where(seen1)}) and value 255 (at ${where(seen255)}), expected 0/1 or 0/255`);
    }
  }
  return { width, height, data };
}
