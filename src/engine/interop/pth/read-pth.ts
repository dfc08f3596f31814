// Reads the .pth file torch.save writes for a state_dict, in TypeScript, without running any
// pickle code: the zip format of PyTorch ≥ 1.6 (archive/data.pkl + archive/data/<key>) and the
// older "legacy" stream (magic number, protocol, sys info, the pickle, the storage keys, then the
// raw storages). Returns every tensor by its state_dict key, contiguous, in its own dtype.
import { readFileSync } from 'node:fs';
import { unpickleAt, type UnpickleOptions } from './pickle-reader';
import { PyTuple } from './pickle-values';
import { storageFromPersistentId, StorageValue, TensorValue, torchGlobals } from './torch-globals';
import { decodeStorage, materialize, STORAGE_TYPES, storageTypeOf, type PthTensor, type TensorValues } from './torch-tensors';
import { isZip, ZipArchive } from './zip-reader';

export interface StateDict {
  /** state_dict key → tensor, in the file's order. */
  tensors: Map<string, PthTensor>;
  format: 'zip' | 'legacy';
  /** The key under which the state_dict was found inside a larger checkpoint dict, if any. */
  foundUnder?: string;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
/** Checkpoint dicts people save around a state_dict. */
const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'net'];

export function readPth(file: string): StateDict {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  return parsePth(buf, file);
}

export function parsePth(buf: Buffer, file: string): StateDict {
  if (isZip(buf)) return readZipPth(buf, file);
  if (buf[0] === 0x80) return readLegacyPth(buf, file);
  throw new Error(`${file}: not a PyTorch .pth file (neither a torch.save zip archive nor the legacy pickle stream)`);
}

function options(file: string, persistentLoad?: UnpickleOptions['persistentLoad']): UnpickleOptions {
  return { file, globals: torchGlobals(file), persistentLoad };
}

function readZipPth(buf: Buffer, file: string): StateDict {
  const zip = new ZipArchive(buf, file);
  const pkl = zip.names().find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new Error(`${file}: a zip archive without <archive>/data.pkl (not written by torch.save)`);
  const archive = pkl.slice(0, pkl.indexOf('/'));
  const byteorder = zip.entries.has(`${archive}/byteorder`) ? zip.read(`${archive}/byteorder`).toString('utf8').trim() : 'little';
  if (byteorder !== 'little') throw new Error(`${file}: tensors saved ${byteorder}-endian; only little-endian files are read`);
  const storages = new Map<string, TensorValues>();
  const { value } = unpickleAt(zip.read(pkl), 0, options(file, (pid) => storageFromPersistentId(pid, file)));
  return collect(value, file, 'zip', (ref) => {
    let values = storages.get(ref.key);
    if (!values) {
      const entry = `${archive}/data/${ref.key}`;
      if (!zip.entries.has(entry)) throw new Error(`${file}: storage ${ref.key} is missing (no ${entry})`);
      values = decodeStorage(zip.read(entry), ref, `${file}: ${entry}`);
      storages.set(ref.key, values);
    }
    return values;
  });
}

function readLegacyPth(buf: Buffer, file: string): StateDict {
  const plain = options(file);
  let at = 0;
  const next = (opts: UnpickleOptions = plain) => {
    const r = unpickleAt(buf, at, opts);
    at = r.end;
    return r.value;
  };
  if (next() !== LEGACY_MAGIC) throw new Error(`${file}: not a PyTorch .pth file (a pickle without torch's magic number)`);
  const protocol = next();
  if (protocol !== LEGACY_PROTOCOL) throw new Error(`${file}: legacy torch.save protocol ${String(protocol)} (only ${LEGACY_PROTOCOL} is read)`);
  const sysInfo = next() as Map<unknown, unknown>;
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) throw new Error(`${file}: tensors saved big-endian; only little-endian files are read`);
  const refs = new Map<string, StorageValue>();
  const value = next(options(file, (pid) => {
    const s = storageFromPersistentId(pid, file);
    refs.set(s.ref.key, s);
    return s;
  }));
  const keys = next();
  if (!Array.isArray(keys)) throw new Error(`${file}: the legacy storage key list is missing`);
  const storages = new Map<string, TensorValues>();
  for (const key of keys) {
    const ref = refs.get(String(key));
    if (!ref) throw new Error(`${file}: storage ${String(key)} is listed but never used`);
    if (at + 8 > buf.length) throw new Error(`${file}: truncated before storage ${String(key)}`);
    const count = Number(buf.readBigInt64LE(at));
    const size = STORAGE_TYPES[storageTypeOf(ref.ref.dtype)]!.bytes;
    at += 8;
    if (count !== ref.ref.numel || at + count * size > buf.length) throw new Error(`${file}: storage ${String(key)} is truncated or has the wrong size`);
    storages.set(String(key), decodeStorage(buf.subarray(at, at + count * size), ref.ref, `${file}: storage ${String(key)}`));
    at += count * size;
  }
  return collect(value, file, 'legacy', (ref) => storages.get(ref.key)!);
}

/** The state_dict inside what the pickle holds: a dict of tensors, or one under a wrapper key. */
function collect(value: unknown, file: string, format: StateDict['format'], storage: (ref: StorageValue['ref']) => TensorValues): StateDict {
  let dict = value;
  let foundUnder: string | undefined;
  if (dict instanceof Map && ![...dict.values()].some((v) => v instanceof TensorValue)) {
    foundUnder = WRAPPER_KEYS.find((k) => (dict as Map<unknown, unknown>).get(k) instanceof Map);
    if (foundUnder) dict = (dict as Map<unknown, unknown>).get(foundUnder);
  }
  if (!(dict instanceof Map)) throw new Error(`${file}: holds a ${dict instanceof PyTuple ? 'tuple' : typeof dict}, not a state_dict (a dict of tensors)`);
  const tensors = new Map<string, PthTensor>();
  for (const [k, v] of dict) {
    if (typeof k !== 'string') throw new Error(`${file}: a state_dict key that is not a string`);
    if (!(v instanceof TensorValue)) throw new Error(`${file}: "${k}" is not a tensor${foundUnder ? ` (in "${foundUnder}")` : ''}`);
    tensors.set(k, materialize(v.view, storage(v.view.storage), `${file}: "${k}"`));
  }
  if (tensors.size === 0) throw new Error(`${file}: holds no tensors`);
  return { tensors, format, foundUnder };
}
