// Mask files ↔ binary masks. On disk a mask is either an Oxford trimap (1 pet, 2 background,
// 3 border) or binary (0/1 or 0/255); the UI always sees and sends 0/255 grayscale PNG. Every
// mask written is one grey band (see engine/infer/mask-png-file.ts).
import sharp from 'sharp';
import type { BinaryMask, MaskEncoding } from '../engine/types';
import { DataFileError } from '../engine/data/data-file-error';
import { readCheckedHeader, SHARP_PIXEL_LIMIT } from '../engine/data/pixel-limit';
import { encodeMaskPng } from '../engine/infer/mask-png-file';

/** The first band as 8-bit samples; sharp's raw output is checked to be exactly one band. */
async function firstBand(input: string | Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(input, SHARP_PIXEL_LIMIT).extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== info.width * info.height) {
    throw new Error(`decoded to ${info.channels} bands (${data.length} bytes for ${info.width}×${info.height}), expected one`);
  }
  return { data, width: info.width, height: info.height };
}

/** Reads a mask file into 0/1 pixels. Border (3) counts as pet, as in training. */
export async function readMaskFile(path: string, encoding: MaskEncoding): Promise<BinaryMask> {
  await readCheckedHeader(path);
  let band: Awaited<ReturnType<typeof firstBand>>;
  try {
    band = await firstBand(path);
  } catch (err) {
    throw new DataFileError(path, `cannot read mask (${(err as Error).message.split('\n')[0]})`);
  }
  const { data, width, height } = band;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const v = data[i]!;
    out[i] = encoding === 'trimap' ? (v === 1 || v === 3 ? 1 : 0) : v > 0 ? 1 : 0;
  }
  return { width, height, data: out };
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
  let decoded: Awaited<ReturnType<typeof firstBand>>;
  try {
    decoded = await firstBand(png);
  } catch (err) {
    throw new DataFileError(name, `not a readable image (${(err as Error).message})`);
  }
  const { data, width, height } = decoded;
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > max) max = data[i]!;
  const threshold = max <= 1 ? 1 : 128;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = data[i]! >= threshold ? 1 : 0;
  return { width, height, data: out };
}

/** Encodes 0/1 pixels as a one-band grey PNG in the given on-disk convention. */
export function encodeMask(mask: BinaryMask, as: 'png-0-255' | 'png-0-1' | 'trimap'): Promise<Buffer> {
  return encodeMaskPng(mask.data, mask.width, mask.height, as);
}
