// 0/1 masks → single-band 8-bit grey PNG (PIL mode `L`), in the value convention asked for.
// Users' pipelines read masks as one band; sharp widens a one-band raw input to RGB when it
// writes unless told the colourspace, so the encoder says 'b-w' and then checks the header.
import sharp from 'sharp';

/** 0/255 (viewable), 0/1 (class indices) or an Oxford trimap (1 pet, 2 background). */
export type MaskPngValues = 'png-0-255' | 'png-0-1' | 'trimap';

export async function encodeMaskPng(mask01: Uint8Array, width: number, height: number, values: MaskPngValues): Promise<Buffer> {
  if (mask01.length !== width * height) throw new Error(`mask has ${mask01.length} pixels, expected ${width}×${height}`);
  const px = Buffer.alloc(width * height);
  const [bg, fg] = values === 'trimap' ? [2, 1] : values === 'png-0-1' ? [0, 1] : [0, 255];
  for (let i = 0; i < px.length; i++) px[i] = mask01[i] ? fg : bg;
  const png = await sharp(px, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
  const meta = await sharp(png).metadata();
  if (meta.channels !== 1 || meta.width !== width || meta.height !== height) {
    throw new Error(`mask PNG came out as ${meta.width}×${meta.height} with ${meta.channels} bands, expected ${width}×${height} with 1`);
  }
  return png;
}
