// Tensors as torch.save stores them: a storage (a flat run of little-endian elements of one
// dtype, one file per storage) and a view into it (offset, shape, strides, all in elements).
// Several tensors may share one storage; a view need not be contiguous.

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** torch.<Name>Storage → the dtype of its elements and their size in bytes. */
export const STORAGE_TYPES: Record<string, { dtype: TorchDtype; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

export const storageTypeOf = (dtype: TorchDtype): string => Object.keys(STORAGE_TYPES).find((k) => STORAGE_TYPES[k]!.dtype === dtype)!;

/** A storage named by a persistent id: its bytes are fetched once the pickle is read. */
export interface StorageRef {
  key: string;
  dtype: TorchDtype;
  /** Elements in the storage. */
  numel: number;
  location: string;
}

/** What _rebuild_tensor_v2 describes. */
export interface TensorView {
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

export type TensorValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** A tensor read out of its storage, contiguous (row-major) in `shape`. */
export interface PthTensor {
  dtype: TorchDtype;
  shape: number[];
  /** float16/bfloat16 are widened to float32; bool is 0/1 bytes. */
  values: TensorValues;
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The storage's bytes (little-endian) as typed values; copies, so the result is aligned. */
export function decodeStorage(bytes: Uint8Array, ref: StorageRef, where: string): TensorValues {
  const size = STORAGE_TYPES[storageTypeOf(ref.dtype)]!.bytes;
  if (bytes.byteLength < ref.numel * size) throw new Error(`${where}: storage ${ref.key} holds ${bytes.byteLength} bytes, needs ${ref.numel * size} (${ref.numel} × ${ref.dtype})`);
  const copy = new Uint8Array(bytes.subarray(0, ref.numel * size));
  const b = copy.buffer;
  switch (ref.dtype) {
    case 'float32': return new Float32Array(b);
    case 'float64': return new Float64Array(b);
    case 'int64': return new BigInt64Array(b);
    case 'int32': return new Int32Array(b);
    case 'int16': return new Int16Array(b);
    case 'int8': return new Int8Array(b);
    case 'uint8':
    case 'bool': return copy;
    case 'float16':
    case 'bfloat16': {
      const h = new Uint16Array(b), out = new Float32Array(h.length), bits = new Uint32Array(out.buffer);
      if (ref.dtype === 'float16') for (let i = 0; i < h.length; i++) out[i] = f16(h[i]!);
      else for (let i = 0; i < h.length; i++) bits[i] = h[i]! << 16;
      return out;
    }
  }
}

/** 2^28 elements (1 GiB of float32): far above any weight of the studio's models. */
const MAX_ELEMENTS = 2 ** 28;

/** Gathers a (possibly strided, possibly shared) view into a fresh contiguous array. */
export function materialize(view: TensorView, storage: TensorValues, where: string): PthTensor {
  const { shape, stride, offset } = view;
  if (shape.length !== stride.length) throw new Error(`${where}: a tensor with shape [${shape}] and strides [${stride}]`);
  const n = shape.reduce((a, b) => a * b, 1);
  // The farthest element the view reaches must lie inside the storage.
  let last = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d]! > 0) last += (shape[d]! - 1) * stride[d]!;
  if (n > 0 && (offset < 0 || last >= storage.length || stride.some((s) => s < 0)))
    throw new Error(`${where}: a tensor view (offset ${offset}, shape [${shape}], strides [${stride}]) reaches outside its storage of ${storage.length} elements`);
  // Zero strides can make a tiny storage describe a huge tensor: a crafted file must not make us allocate gigabytes.
  if (n > MAX_ELEMENTS) throw new Error(`${where}: a tensor of ${n} elements (shape [${shape}]); more than ${MAX_ELEMENTS} are not read`);
  const ctor = storage.constructor as { new (n: number): TensorValues };
  const out = new ctor(n);
  const contiguous = shape.every((_, d) => shape[d] === 1 || stride[d] === shape.slice(d + 1).reduce((a, b) => a * b, 1));
  if (contiguous) out.set(storage.subarray(offset, offset + n) as never);
  else {
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let at = offset;
      for (let d = 0; d < shape.length; d++) at += idx[d]! * stride[d]!;
      out[i] = storage[at] as never;
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d]! < shape[d]!) break;
        idx[d] = 0;
      }
    }
  }
  const dtype = view.storage.dtype;
  return { dtype, shape: [...shape], values: out };
}
