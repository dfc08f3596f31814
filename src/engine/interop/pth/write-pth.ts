// Writes a state_dict as torch.save does (zip format, pickle protocol 2), readable by
// torch.load in PyTorch ≥ 1.6 with no extra package, weights_only=True included:
//   archive/data.pkl   OrderedDict{key: _rebuild_tensor_v2(storage, 0, shape, strides, False, OrderedDict())}
//   archive/data/<n>   each tensor's storage, raw little-endian
//   archive/byteorder  "little"
//   archive/version    "3" (the zip format version PyTorch 1.13 writes)
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pickle, PyPersistent, PyReduce } from './pickle-writer';
import { PyGlobal, PyOrderedDict, PyTuple } from './pickle-values';
import { storageTypeOf, type TorchDtype } from './torch-tensors';
import { ZipWriter } from './zip-writer';

export interface PthEntry {
  key: string;
  shape: number[];
  /** Contiguous row-major values; float32 for weights, int64 for counters (num_batches_tracked). */
  values: Float32Array | BigInt64Array;
}

const ARCHIVE = 'archive';

function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let n = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = n;
    n *= shape[d]!;
  }
  return s;
}

/** The data.pkl bytes for these entries (storage keys "0", "1", … in order). */
export function stateDictPickle(entries: PthEntry[]): Buffer {
  const dict = new PyOrderedDict();
  entries.forEach((e, i) => {
    const dtype: TorchDtype = e.values instanceof Float32Array ? 'float32' : 'int64';
    const numel = e.shape.reduce((a, b) => a * b, 1);
    if (numel !== e.values.length) throw new Error(`${e.key}: shape [${e.shape}] holds ${numel} values, got ${e.values.length}`);
    const storage = new PyPersistent(new PyTuple(['storage', new PyGlobal('torch', storageTypeOf(dtype)), String(i), 'cpu', numel]));
    const args = new PyTuple([storage, 0, new PyTuple(e.shape), new PyTuple(contiguousStrides(e.shape)), false, new PyOrderedDict()]);
    dict.set(e.key, new PyReduce(new PyGlobal('torch._utils', '_rebuild_tensor_v2'), args));
  });
  return pickle(dict);
}

/** The .pth file's bytes. */
export function encodePth(entries: PthEntry[]): Buffer {
  const zip = new ZipWriter();
  zip.add(`${ARCHIVE}/data.pkl`, stateDictPickle(entries));
  zip.add(`${ARCHIVE}/byteorder`, Buffer.from('little'));
  entries.forEach((e, i) => zip.add(`${ARCHIVE}/data/${i}`, new Uint8Array(e.values.buffer, e.values.byteOffset, e.values.byteLength)));
  zip.add(`${ARCHIVE}/version`, Buffer.from('3\n'));
  return zip.build();
}

/** Writes a new .pth file whole or not at all; an existing file is refused unless `overwrite`. */
export function writePth(file: string, entries: PthEntry[], opts: { overwrite?: boolean } = {}): void {
  if (existsSync(file) && !opts.overwrite) throw new Error(`${file}: already exists; not replacing it (choose another name or remove it)`);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(tmp, encodePth(entries), { flag: 'wx' });
    if (existsSync(file) && !opts.overwrite) throw new Error(`${file}: appeared while writing; not replacing it`);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}
