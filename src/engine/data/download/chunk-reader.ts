// Pulls exact byte counts out of an async stream of chunks (a gunzip stream). The tar reader
// needs whole 512-byte headers but must pass file bodies through without holding them in memory.

export class ChunkReader {
  private readonly it: AsyncIterator<Buffer>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out so far: the offset of the next byte in the uncompressed stream. */
  position = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Buffers until `n` bytes are available; false when the stream ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
    return this.buffered >= n;
  }

  /** Exactly `n` bytes, or null when the stream ends before `n` bytes arrive. */
  async take(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) return null;
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const head = this.chunks[0]!;
      const want = n - off;
      if (head.length <= want) {
        head.copy(out, off);
        off += head.length;
        this.chunks.shift();
      } else {
        head.copy(out, off, 0, want);
        this.chunks[0] = head.subarray(want);
        off += want;
      }
    }
    this.buffered -= n;
    this.position += n;
    return out;
  }

  /** Between 1 and `max` bytes without copying where possible; null at the end of the stream. */
  async takeUpTo(max: number): Promise<Buffer | null> {
    if (!(await this.fill(1))) return null;
    const head = this.chunks[0]!;
    const out = head.length <= max ? head : head.subarray(0, max);
    if (out === head) this.chunks.shift();
    else this.chunks[0] = head.subarray(max);
    this.buffered -= out.length;
    this.position += out.length;
    return out;
  }

  /** Reads and discards everything left, so a gzip source checks its trailer (CRC, length). */
  async drain(): Promise<number> {
    let n = this.buffered;
    this.chunks = [];
    this.buffered = 0;
    while (!this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else n += r.value.length;
    }
    this.position += n;
    return n;
  }
}
