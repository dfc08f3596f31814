// Decoding by content, stored orientation, and mask value mapping on real files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, decodeMask, readImageSize } from '../src/engine/data/decode';

const MINI = join(__dirname, 'fixtures/oxford-mini');
const BROKEN = join(__dirname, 'fixtures/oxford-broken');
let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'decode-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function writeGrey(name: string, values: number[], width: number, height: number): Promise<string> {
  const path = join(tmp, name);
  await sharp(Buffer.from(values), { raw: { width, height, channels: 1 } }).png().toFile(path);
  return path;
}

describe('decodeImage', () => {
  it('decodes a JPEG to interleaved RGB at its stored size', async () => {
    const img = await decodeImage(join(MINI, 'images/american_bulldog_150.jpg'));
    expect([img.width, img.height]).toEqual([500, 334]);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(img.data.length).toBe(500 * 334 * 3);
    // A real photo: not flat.
    expect(new Set(img.data.subarray(0, 3000)).size).toBeGreaterThan(20);
  });

  it('decodes by content: a PNG named .jpg gives the pixels of the photo it was made from', async () => {
    const png = await decodeImage(join(BROKEN, 'images/Abyssinian_5.jpg'));
    const src = await decodeImage(join(MINI, 'images/Abyssinian_159.jpg'));
    expect([png.width, png.height]).toEqual([src.width, src.height]);
    expect(Buffer.from(png.data).equals(Buffer.from(src.data))).toBe(true);
  });

  it('decodes by content: a GIF named .jpg gives RGB close to its source (palette quantised)', async () => {
    const gif = await decodeImage(join(BROKEN, 'images/Abyssinian_34.jpg'));
    const src = await decodeImage(join(MINI, 'images/Abyssinian_195.jpg'));
    expect([gif.width, gif.height]).toEqual([src.width, src.height]);
    let diff = 0;
    for (let i = 0; i < src.data.length; i++) diff += Math.abs(gif.data[i]! - src.data[i]!);
    expect(diff / src.data.length).toBeLessThan(12);
  });

  it('fails on a truncated JPEG with the file named', async () => {
    const path = join(BROKEN, 'images/Abyssinian_900.jpg');
    await expect(decodeImage(path)).rejects.toThrow(`${path}: cannot decode image`);
    // Its header alone still reads: that is why import checks the end marker.
    await expect(readImageSize(path)).resolves.toMatchObject({ width: 192, height: 288, format: 'jpeg' });
  });

  it('fails on a non-image with the file named', async () => {
    const path = join(BROKEN, 'images/Abyssinian_100.mat');
    await expect(decodeImage(path)).rejects.toThrow(path);
    await expect(readImageSize(path)).rejects.toThrow(`${path}: not a readable image`);
  });

  it('keeps the stored orientation (Oxford trimaps follow stored pixels, not EXIF)', async () => {
    // 40×20 photo, left half black, right half white, tagged "rotate 90° to display".
    const w = 40;
    const h = 20;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = w / 2; x < w; x++) raw.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const path = join(tmp, 'rotated.jpg');
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(path);
    expect((await sharp(path).metadata()).orientation).toBe(6);
    const img = await decodeImage(path);
    expect([img.width, img.height]).toEqual([40, 20]);
    expect(img.data[(10 * w + 2) * 3]!).toBeLessThan(40);
    expect(img.data[(10 * w + 37) * 3]!).toBeGreaterThan(215);
    expect(await readImageSize(path)).toMatchObject({ width: 40, height: 20 });
  });

  it('flattens alpha to RGB', async () => {
    const path = join(tmp, 'alpha.png');
    await sharp(Buffer.from([255, 0, 0, 255, 0, 255, 0, 0]), { raw: { width: 2, height: 1, channels: 4 } }).png().toFile(path);
    const img = await decodeImage(path);
    expect(Array.from(img.data)).toEqual([255, 0, 0, 0, 0, 0]);
  });
});

describe('decodeMask', () => {
  it('maps a real trimap: 1 pet and 3 border → 1, 2 background → 0', async () => {
    const path = join(MINI, 'annotations/trimaps/Abyssinian_11.png');
    // Oxford trimaps are 8-bit grey; sharp's raw output expands grey to RGB, so take band 0.
    const { data: raw } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const mask = await decodeMask(path, 'trimap');
    expect(mask.data.length).toBe(raw.length);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < raw.length; i++) {
      counts[raw[i]!]!++;
      expect(mask.data[i]).toBe(raw[i] === 2 ? 0 : 1);
    }
    // The fixture trimap really has all three values, so each branch above ran.
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[2]).toBeGreaterThan(0);
    expect(counts[3]).toBeGreaterThan(0);
  });

  it('names the file, the value and where it is for a trimap value outside 1..3', async () => {
    const path = join(BROKEN, 'annotations/trimaps/Abyssinian_902.png');
    await expect(decodeMask(path, 'trimap')).rejects.toThrow(`${path}: trimap has value 7 (at x=124, y=93)`);
    const zero = await writeGrey('zero.png', [1, 2, 0, 3], 2, 2);
    await expect(decodeMask(zero, 'trimap')).rejects.toThrow(/value 0 \(at x=0, y=1\)/);
  });

  it('binary: 0/1 and 0/255 → 0/1; other values and mixed 1/255 are errors', async () => {
    const a = await decodeMask(await writeGrey('a.png', [0, 1, 1, 0], 2, 2), 'binary');
    const b = await decodeMask(await writeGrey('b.png', [0, 255, 255, 0], 2, 2), 'binary');
    expect(Array.from(a.data)).toEqual([0, 1, 1, 0]);
    expect(Array.from(b.data)).toEqual([0, 1, 1, 0]);
    const grey = await writeGrey('c.png', [0, 128, 255, 0], 2, 2);
    await expect(decodeMask(grey, 'binary')).rejects.toThrow(`${grey}: binary mask has value 128`);
    const mixed = await writeGrey('d.png', [0, 1, 255, 0], 2, 2);
    await expect(decodeMask(mixed, 'binary')).rejects.toThrow(/mixes value 1 .* and value 255/);
  });

  it('accepts a grey mask stored as RGB, rejects a colour one', async () => {
    const rgb = join(tmp, 'rgb.png');
    await sharp(Buffer.from([0, 0, 0, 255, 255, 255]), { raw: { width: 2, height: 1, channels: 3 } }).png().toFile(rgb);
    expect(Array.from((await decodeMask(rgb, 'binary')).data)).toEqual([0, 1]);
    const colour = join(tmp, 'colour.png');
    await sharp(Buffer.from([0, 0, 0, 255, 0, 0]), { raw: { width: 2, height: 1, channels: 3 } }).png().toFile(colour);
    await expect(decodeMask(colour, 'binary')).rejects.toThrow(`${colour}: mask has colour pixels`);
  });

  it('refuses 16-bit masks instead of rescaling their values', async () => {
    const path = join(tmp, 'g16.png');
    await sharp(Buffer.from([0, 255, 255, 0]), { raw: { width: 2, height: 2, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(path);
    expect((await sharp(path).metadata()).depth).toBe('ushort');
    await expect(decodeMask(path, 'binary')).rejects.toThrow(`${path}: mask has ushort samples, expected 8-bit`);
  });

  it('names the file when a mask cannot be decoded', async () => {
    const path = join(BROKEN, 'images/Abyssinian_900.jpg');
    await expect(decodeMask(path, 'binary')).rejects.toThrow(`${path}: cannot decode mask`);
  });
});
