// A decompression bomb for tests: a valid PNG of one colour whose header says e.g. 20000×20000,
// written without ever holding its pixels. sharp can make the same file from `create`, but that
// takes 36 s and 2 GB here; this takes well under a second.
// How: the zlib stream is one deflate segment of ROWS_PER_SEGMENT identical rows, ended with a
// full flush (which resets the compressor's state, so the segment is self-contained), repeated
// for every block of rows, then a final empty block and the Adler-32 of all the bytes.
import { writeFileSync } from 'node:fs';
import { constants, deflateRawSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function adler32(bytes: Uint8Array, a0 = 1, b0 = 0): [number, number] {
  let a = a0;
  let b = b0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return [a, b];
}

/** Adler-32 state after feeding `bytes` `times` times (by squaring, so 20000 repeats cost ~15 passes). */
function adlerRepeated(bytes: Uint8Array, times: number): number {
  // Feeding block B from state (a, b): a' = a + S, b' = b + n·a + T, where (S, T) come from
  // feeding B from (0, 0) — linear, so k repeats compose like exponentiation.
  const n = bytes.length % 65521;
  const [s, tRaw] = adler32(bytes, 0, 0);
  type Step = { len: number; s: number; t: number };
  const compose = (x: Step, y: Step): Step => ({
    len: (x.len + y.len) % 65521,
    s: (x.s + y.s) % 65521,
    t: (x.t + y.len * x.s + y.t) % 65521,
  });
  let acc: Step = { len: 0, s: 0, t: 0 };
  let pow: Step = { len: n, s, t: tRaw };
  for (let k = times; k > 0; k >>= 1) {
    if (k & 1) acc = compose(acc, pow);
    pow = compose(pow, pow);
  }
  const a = (1 + acc.s) % 65521;
  const b = (0 + acc.len * 1 + acc.t) % 65521;
  return ((b << 16) | a) >>> 0;
}

export interface HugePngOptions {
  width: number;
  height: number;
  /** 1 = grey, 3 = RGB (8 bits per sample). */
  channels: 1 | 3;
  /** The colour of every pixel: one value per channel. */
  value?: number[];
}

/** Writes the PNG and returns its size in bytes. `height` must be a multiple of 100. */
export function writeHugePng(path: string, opts: HugePngOptions): number {
  const rowsPerSegment = 100;
  if (opts.height % rowsPerSegment !== 0) throw new Error(`height must be a multiple of ${rowsPerSegment}`);
  const value = opts.value ?? new Array(opts.channels).fill(0);
  const rowBytes = 1 + opts.width * opts.channels;
  const block = Buffer.alloc(rowBytes * rowsPerSegment);
  for (let r = 0; r < rowsPerSegment; r++) {
    // Filter byte 0 (none), then the pixels.
    for (let x = 0; x < opts.width; x++) for (let c = 0; c < opts.channels; c++) block[r * rowBytes + 1 + x * opts.channels + c] = value[c]!;
  }
  const segment = deflateRawSync(block, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const last = deflateRawSync(Buffer.alloc(0)); // a final empty block
  const repeats = opts.height / rowsPerSegment;
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adlerRepeated(block, repeats), 0);
  const zlibStream = Buffer.concat([Buffer.from([0x78, 0xda]), ...new Array<Buffer>(repeats).fill(segment), last, trailer]);

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(opts.width, 0);
  ihdr.writeUInt32BE(opts.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = opts.channels === 1 ? 0 : 2; // colour type: grey / RGB
  const idats: Buffer[] = [];
  for (let off = 0; off < zlibStream.length; off += 1 << 20) idats.push(chunk('IDAT', zlibStream.subarray(off, off + (1 << 20))));
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...idats,
    chunk('IEND', new Uint8Array(0)),
  ]);
  writeFileSync(path, png);
  return png.length;
}
