// Mask files ↔ binary masks. On disk a mask is either an Oxford trimap (1 pet, 2 background,
// 3 border) or binary (0/1 or 0/255); the UI always sees and sends 0/255 grayscale PNG.
import sharp from 'sharp';
import type { BinaryMask, MaskEncoding } from '../engine/types';
import { DataFileError } from '../engine/data/data-file-error';
import { readCheckedHeader, SHARP_PIXEL_LIMIT } from '../engine/data/pixel-limit';

/** Reads a mask file into 0/1 pixels. Border (3) counts as pet, as in training. */
export async function readMaskFile(path: string, encoding: MaskEncoding): Promise<BinaryMask> {
  await readCheckedHeader(path);
  const { data, info } = await sharp(path, SHARP_PIXEL_LIMIT).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) {
    const v = data[i]!;
    out[i] = encoding === 'trimap' ? (v === 1 || v === 3 ? 1 : 0) : v > 0 ? 1 : 0;
  }
  return { width: info.width, height: info.height, data: out };
}

/**
 * Decodes a PNG the UI sent (0/255, or 0/1) into 0/1 pixels. Unreadable, over the pixel limit, or
 * (from its header, before decoding) not of the `expected` size: a DataFileError naming `name`.
 */
export async function decodeMaskPng(png: Uint8Array, name = 'the mask', expected?: { width: number; height: number }): Promise<BinaryMask> {
  const header = await readCheckedHeader(png, name);
  if (expected && (header.width !== expected.width || header.height !== expected.height)) {
    throw new DataFileError(name, `mask is ${header.width}×${header.height} but its image is ${expected.width}×${expected.height}`);
  }
  let decoded: { data: Buffer; info: { width: number; height: number } };
  try {
    decoded = await sharp(png, SHARP_PIXEL_LIMIT).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new DataFileError(name, `not a readable image (${(err as Error).message})`);
  }
  const { data, info } = decoded;
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > max) max = data[i]!;
  const threshold = max <= 1 ? 1 : 128;
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) out[i] = data[i]! >= threshold ? 1 : 0;
  return { width: info.width, height: info.height, data: out };
}

/** Encodes 0/1 pixels as a grayscale PNG in the given on-disk convention. */
export async function encodeMask(mask: BinaryMask, as: 'png-0-255' | 'png-0-1' | 'trimap'): Promise<Buffer> {
  const px = Buffer.alloc(mask.width * mask.height);
  for (let i = 0; i < px.length; i++) {
    const fg = mask.data[i]! > 0;
    px[i] = as === 'trimap' ? (fg ? 1 : 2) : as === 'png-0-1' ? (fg ? 1 : 0) : fg ? 255 : 0;
  }
  return sharp(px, { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toBuffer();
}

/** Nearest-neighbour resize of 0/1 pixels (model size → image size). */
export function resizeMaskNearest(mask: BinaryMask, width: number, height: number): BinaryMask {
  if (mask.width === width && mask.height === height) return mask;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / width));
      out[y * width + x] = mask.data[sy * mask.width + sx]!;
    }
  }
  return { width, height, data: out };
}
