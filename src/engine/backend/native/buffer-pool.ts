// Reuse of float32 output storage on the 'native' backend.
//
// Why: every kernel output on the CPU-derived backend is a fresh Float32Array. V8 counts that
// storage as external memory and starts a garbage collection each time some tens of MB have
// been allocated since the last one; a UNet base 16 inference at 128² allocates ~100 MB per
// batch and spent ~20% of its time in those collections (docs/speed.md, third round). Freed
// outputs go back to a pool keyed by length and the next kernel output of that length reuses
// one, so a steady training or inference loop stops allocating.
//
// Safety: storage is reused only when nothing else can still see it.
// * Only arrays the pool itself handed to a native kernel are ever reused ("owned").
// * An array stops being owned ("escapes") as soon as it is read out of the backend
//   (readSync/read: `dataSync()` returns the storage itself, and the caller may keep it) or
//   is the input of a reference kernel (those may keep zero-copy views, e.g. a contiguous
//   Slice is a `subarray`). Escaped arrays are left to V8 as before.
// * An owned array returns to the pool only when the backend deletes its tensor data (the
//   engine's reference count reached zero).
export interface BufferPoolStats {
  /** Outputs served from the pool. */
  reused: number;
  /** Outputs that needed a new array. */
  allocated: number;
  /** Arrays given up because they were read out or fed to a reference kernel. */
  escaped: number;
  /** Bytes currently held for reuse. */
  pooledBytes: number;
}

export class Float32BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<Float32Array>();
  private readonly counters = { reused: 0, allocated: 0, escaped: 0 };
  private pooledBytes = 0;

  /** @param capBytes the most storage kept for reuse; 0 turns reuse off. */
  constructor(private readonly capBytes: number) {}

  get enabled(): boolean {
    return this.capBytes > 0;
  }

  /**
   * A float32 array of `length` elements for a kernel output. Reused storage holds stale
   * values; `zeroed` clears it (fresh arrays are zero already), for kernels that accumulate.
   */
  take(length: number, zeroed: boolean): Float32Array {
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      this.counters.reused++;
      if (zeroed) reused.fill(0);
      return reused;
    }
    const fresh = new Float32Array(length);
    if (this.enabled && length > 0) this.owned.add(fresh);
    this.counters.allocated++;
    return fresh;
  }

  /** Storage that may now be seen outside the backend: never reuse it. */
  escape(values: unknown): void {
    if (values instanceof Float32Array && this.owned.delete(values)) this.counters.escaped++;
  }

  /** The tensor holding `values` is gone: keep the array for the next output of its length. */
  release(values: unknown): void {
    if (!(values instanceof Float32Array) || !this.owned.has(values)) return;
    if (this.pooledBytes + values.byteLength > this.capBytes) {
      this.owned.delete(values);
      return;
    }
    let list = this.free.get(values.length);
    if (!list) this.free.set(values.length, (list = []));
    list.push(values);
    this.pooledBytes += values.byteLength;
  }

  /** Drops every pooled array (e.g. between models of different shapes). */
  clear(): void {
    for (const list of this.free.values()) for (const a of list) this.owned.delete(a);
    this.free.clear();
    this.pooledBytes = 0;
  }

  stats(): BufferPoolStats {
    return { ...this.counters, pooledBytes: this.pooledBytes };
  }
}
