// Reads the entries of a zip archive held in memory: what torch.save writes since PyTorch 1.6
// (stored entries, sometimes with ZIP64 records) and what any zip tool writes (deflated entries,
// inflated with Node's zlib). Only the central directory is trusted for names and sizes; every
// offset is checked against the buffer so a truncated or crafted file gives an error naming it.
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  /** Offset of the entry's local header. */
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(
    private readonly buf: Buffer,
    /** The file's path, named in every error. */
    readonly file: string,
  ) {
    this.readDirectory();
  }

  private fail(problem: string): never {
    throw new Error(`${this.file}: not a readable zip archive (${problem})`);
  }

  private u16(at: number): number {
    if (at + 2 > this.buf.length) this.fail(`truncated at byte ${at}`);
    return this.buf.readUInt16LE(at);
  }

  private u32(at: number): number {
    if (at + 4 > this.buf.length) this.fail(`truncated at byte ${at}`);
    return this.buf.readUInt32LE(at);
  }

  private u64(at: number): number {
    if (at + 8 > this.buf.length) this.fail(`truncated at byte ${at}`);
    const v = this.buf.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`a 64-bit size or offset past 2^53 at byte ${at}`);
    return Number(v);
  }

  private readDirectory(): void {
    const b = this.buf;
    // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
    let eocd = -1;
    for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
      if (b.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.fail('no end-of-central-directory record; the file may be truncated');
    let count = this.u16(eocd + 10);
    let dirSize = this.u32(eocd + 12);
    let dirOffset = this.u32(eocd + 16);
    if (count === 0xffff || dirSize === MAX32 || dirOffset === MAX32) {
      const locator = eocd - 20;
      if (locator < 0 || this.u32(locator) !== ZIP64_LOCATOR) this.fail('ZIP64 sizes without a ZIP64 locator');
      const z = this.u64(locator + 8);
      if (this.u32(z) !== ZIP64_EOCD) this.fail('ZIP64 locator does not point at a ZIP64 directory record');
      count = this.u64(z + 32);
      dirSize = this.u64(z + 40);
      dirOffset = this.u64(z + 48);
    }
    if (dirOffset + dirSize > b.length) this.fail('central directory past the end of the file');
    let at = dirOffset;
    for (let i = 0; i < count; i++) {
      if (this.u32(at) !== CENTRAL) this.fail(`central directory entry ${i} has a bad signature`);
      const flags = this.u16(at + 8);
      const method = this.u16(at + 10);
      const crc = this.u32(at + 16);
      let compressedSize = this.u32(at + 20);
      let size = this.u32(at + 24);
      const nameLen = this.u16(at + 28), extraLen = this.u16(at + 30), commentLen = this.u16(at + 32);
      let localOffset = this.u32(at + 42);
      if (flags & 1) this.fail('encrypted entries are not supported');
      if (at + 46 + nameLen + extraLen > b.length) this.fail(`central directory entry ${i} runs past the end`);
      const name = b.toString('utf8', at + 46, at + 46 + nameLen);
      // ZIP64 extended information: the 64-bit values, in this order, for the fields set to 0xFFFFFFFF.
      for (let e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen; ) {
        const id = this.u16(e), len = this.u16(e + 2);
        if (id === 0x0001) {
          let p = e + 4;
          if (size === MAX32) (size = this.u64(p)), (p += 8);
          if (compressedSize === MAX32) (compressedSize = this.u64(p)), (p += 8);
          if (localOffset === MAX32) localOffset = this.u64(p);
        }
        e += 4 + len;
      }
      if (this.entries.has(name)) this.fail(`duplicate entry "${name}"`);
      this.entries.set(name, { name, method, compressedSize, size, crc, localOffset });
      at += 46 + nameLen + extraLen + commentLen;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The entry's bytes (a view into the file for stored entries), CRC-checked. */
  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) this.fail(`no entry "${name}"`);
    if (this.u32(e.localOffset) !== LOCAL) this.fail(`entry "${name}" has a bad local header`);
    const start = e.localOffset + 30 + this.u16(e.localOffset + 26) + this.u16(e.localOffset + 28);
    if (start + e.compressedSize > this.buf.length) this.fail(`entry "${name}" runs past the end of the file (truncated?)`);
    const raw = this.buf.subarray(start, start + e.compressedSize);
    let data: Buffer;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (err) {
        this.fail(`entry "${name}" does not inflate: ${(err as Error).message}`);
      }
    } else this.fail(`entry "${name}" uses compression method ${e.method} (only stored and deflated are read)`);
    if (data.length !== e.size) this.fail(`entry "${name}" is ${data.length} bytes, the directory says ${e.size}`);
    if (crc32(data) !== e.crc) this.fail(`entry "${name}" fails its CRC-32 check (corrupted)`);
    return data;
  }
}

export function isZip(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === LOCAL;
}
