// The TypeScript side of the float32 exchange with the PyTorch helpers (tests/helpers/f32_blob.py):
// inputs appended to one little-endian file, each named by its shape and element offset; the
// answer read back as one Float32Array.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { expect } from 'vitest';

/** Float32 pieces appended to one little-endian file, each remembered by its element offset. */
export class BlobWriter {
  private n = 0;
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  put(data: ArrayLike<number>, shape: number[]): { shape: number[]; offset: number } {
    // dataSync() is not always float32 storage (the cpu backend keeps a cast mask as bytes).
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    expect(values.length, `${shape} tensor`).toBe(shape.reduce((a, b) => a * b, 1));
    const offset = this.n;
    writeSync(this.fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.n += values.length;
    return { shape, offset };
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** A little-endian float32 file as one array (copied out of the read buffer, so it is aligned). */
export function readF32File(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
