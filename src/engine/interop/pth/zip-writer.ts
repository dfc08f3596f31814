// Writes a zip archive of stored (uncompressed) entries the way PyTorch's PyTorchStreamWriter
// does: each entry's data starts on a 64-byte boundary (padding in an extra field), so a reader
// can map tensors straight from the file. Sizes are kept under 4 GiB (no ZIP64 needed here).
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const ALIGN = 64;

interface Written {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

export class ZipWriter {
  private offset = 0;
  private readonly written: Written[] = [];
  private readonly fd: number;

  constructor(readonly file: string) {
    // 'wx': never replaces a file (the caller writes to a fresh temp name and renames).
    this.fd = openSync(file, 'wx');
  }

  private write(b: Uint8Array): void {
    let done = 0;
    while (done < b.byteLength) done += writeSync(this.fd, b, done, b.byteLength - done);
    this.offset += b.byteLength;
  }

  add(name: string, data: Uint8Array): void {
    const nameBytes = Buffer.from(name, 'utf8');
    if (this.offset + data.byteLength > 0xfffffff0) throw new Error(`${this.file}: over 4 GiB; larger archives are not written`);
    // Padding extra field (id "FB", as PyTorch writes) so the data lands on a 64-byte boundary.
    const base = this.offset + 30 + nameBytes.length + 4;
    const pad = (ALIGN - (base % ALIGN)) % ALIGN;
    const extra = Buffer.alloc(4 + pad, 0x5a);
    extra.writeUInt16LE(0x4246, 0);
    extra.writeUInt16LE(pad, 2);
    const crc = crc32(data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4); // version needed
    head.writeUInt16LE(0, 6); // flags
    head.writeUInt16LE(0, 8); // stored
    head.writeUInt32LE(0, 10); // time/date: none (reproducible files)
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(data.byteLength, 18);
    head.writeUInt32LE(data.byteLength, 22);
    head.writeUInt16LE(nameBytes.length, 26);
    head.writeUInt16LE(extra.length, 28);
    this.written.push({ name: nameBytes, crc, size: data.byteLength, offset: this.offset });
    this.write(head);
    this.write(nameBytes);
    this.write(extra);
    this.write(data);
  }

  /** Writes the central directory and closes the file (fsynced). */
  finish(): void {
    try {
      const start = this.offset;
      for (const e of this.written) {
        const c = Buffer.alloc(46);
        c.writeUInt32LE(0x02014b50, 0);
        c.writeUInt16LE(20, 4); // made by
        c.writeUInt16LE(20, 6); // needed
        c.writeUInt32LE(e.crc, 16);
        c.writeUInt32LE(e.size, 20);
        c.writeUInt32LE(e.size, 24);
        c.writeUInt16LE(e.name.length, 28);
        c.writeUInt32LE(e.offset, 42);
        this.write(c);
        this.write(e.name);
      }
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(this.written.length, 8);
      end.writeUInt16LE(this.written.length, 10);
      end.writeUInt32LE(this.offset - start, 12);
      end.writeUInt32LE(start, 16);
      this.write(end);
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  abort(): void {
    closeSync(this.fd);
  }
}
