// Builds a zip archive of stored (uncompressed) entries in memory, the way PyTorch's
// PyTorchStreamWriter lays it out: each entry's data starts on a 64-byte boundary (padding in an
// extra field), so a reader can map tensors straight from the file. Kept under 4 GiB (no ZIP64).
import { crc32 } from 'node:zlib';

const ALIGN = 64;
const LIMIT = 0xfffffff0;

export class ZipWriter {
  private offset = 0;
  private readonly chunks: Uint8Array[] = [];
  private readonly written: Array<{ name: Buffer; crc: number; size: number; offset: number }> = [];

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.offset += b.byteLength;
  }

  /** Adds an entry; `data` is referenced, not copied, until build(). */
  add(name: string, data: Uint8Array): void {
    const nameBytes = Buffer.from(name, 'utf8');
    if (this.offset + data.byteLength > LIMIT) throw new Error(`a zip archive over 4 GiB (at entry "${name}") is not written`);
    // Padding extra field (id "FB", as PyTorch writes) so the data lands on a 64-byte boundary.
    const pad = (ALIGN - ((this.offset + 30 + nameBytes.length + 4) % ALIGN)) % ALIGN;
    const extra = Buffer.alloc(4 + pad, 0x5a);
    extra.writeUInt16LE(0x4246, 0);
    extra.writeUInt16LE(pad, 2);
    const crc = crc32(data);
    const head = Buffer.alloc(30); // time and date stay 0: the same weights give the same bytes
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4); // version needed
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(data.byteLength, 18);
    head.writeUInt32LE(data.byteLength, 22);
    head.writeUInt16LE(nameBytes.length, 26);
    head.writeUInt16LE(extra.length, 28);
    this.written.push({ name: nameBytes, crc, size: data.byteLength, offset: this.offset });
    for (const b of [head, nameBytes, extra, data]) this.push(b);
  }

  /** The whole archive: the entries, the central directory, the end record. */
  build(): Buffer {
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
      this.push(c);
      this.push(e.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.written.length, 8);
    end.writeUInt16LE(this.written.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    this.push(end);
    return Buffer.concat(this.chunks);
  }
}
