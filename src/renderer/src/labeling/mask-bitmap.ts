// Masks in the renderer are Uint8Array width×height of 0/1. These turn PNG bytes (0/255 grayscale
// from the studio) into that form and back; the browser's own codecs do the PNG work.
export interface MaskData {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a PNG (any colour type); a pixel is "pet" when its red channel is at least 128. */
export async function decodeMaskPng(png: Uint8Array): Promise<MaskData> {
  const bmp = await createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }));
  const canvas = document.createElement('canvas');
  canvas.width = bmp.width;
  canvas.height = bmp.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const data = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4]! >= 128 ? 1 : 0;
  return { width: canvas.width, height: canvas.height, data };
}

/** PNG bytes of the mask as 0/255 grayscale (the studio re-encodes it in the dataset's own convention). */
export async function encodeMaskPng(mask: MaskData): Promise<Uint8Array<ArrayBuffer>> {
  const canvas = document.createElement('canvas');
  canvas.width = mask.width;
  canvas.height = mask.height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(mask.width, mask.height);
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i] ? 255 : 0;
    img.data[i * 4] = v;
    img.data[i * 4 + 1] = v;
    img.data[i * 4 + 2] = v;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const blob = await new Promise<Blob>((res, rej) => canvas.toBlob((b) => (b ? res(b) : rej(new Error('PNG encoding failed'))), 'image/png'));
  return new Uint8Array(await blob.arrayBuffer());
}

export function emptyMask(width: number, height: number): MaskData {
  return { width, height, data: new Uint8Array(width * height) };
}
