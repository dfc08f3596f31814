// The allow-list of Python globals a state_dict pickle may name, and what each stands for:
// the same set torch.load(weights_only=True) accepts for a plain state_dict
// (torch/_weights_only_unpickler.py), minus everything a state_dict of these models never holds.
import type { Callable } from './pickle-reader';
import { PyOrderedDict, PyTuple } from './pickle-values';
import { STORAGE_TYPES, type StorageRef, type TensorView } from './torch-tensors';

function int(v: unknown, what: string, file: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${file}: ${what} is not an integer`);
  return v;
}

function ints(v: unknown, what: string, file: string): number[] {
  if (!(v instanceof PyTuple)) throw new Error(`${file}: ${what} is not a tuple`);
  return v.items.map((x) => int(x, what, file));
}

/** A storage named by a persistent id, marked so _rebuild_tensor_v2 can tell it from other values. */
export class StorageValue {
  constructor(readonly ref: StorageRef) {}
}

export class TensorValue {
  constructor(readonly view: TensorView) {}
}

export function torchGlobals(file: string): Map<string, Callable | null> {
  const rebuildTensor: Callable = (args) => {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageValue)) throw new Error(`${file}: _rebuild_tensor_v2 without a storage`);
    return new TensorValue({ storage: storage.ref, offset: int(offset, 'a storage offset', file), shape: ints(size, 'a tensor size', file), stride: ints(stride, 'a tensor stride', file) });
  };
  const globals = new Map<string, Callable | null>([
    ['collections.OrderedDict', (args) => {
      if (args.length) throw new Error(`${file}: OrderedDict called with arguments`);
      return new PyOrderedDict();
    }],
    ['torch._utils._rebuild_tensor_v2', rebuildTensor],
    // nn.Parameter (a whole-model pickle's parameters): (data, requires_grad, backward_hooks).
    ['torch._utils._rebuild_parameter', (args) => {
      if (!(args[0] instanceof TensorValue)) throw new Error(`${file}: _rebuild_parameter without a tensor`);
      return args[0];
    }],
  ]);
  for (const name of Object.keys(STORAGE_TYPES)) globals.set(`torch.${name}`, null);
  return globals;
}

/** Reads torch's persistent id ('storage', torch.<Type>Storage, key, location, numel[, view_metadata]). */
export function storageFromPersistentId(pid: unknown, file: string): StorageValue {
  const items = pid instanceof PyTuple ? pid.items : [];
  const [tag, type, key, location, numel] = items;
  if (tag !== 'storage' || !type || typeof (type as { name?: unknown }).name !== 'string') throw new Error(`${file}: a persistent id that is not a torch storage`);
  const typeName = (type as { name: string }).name;
  const spec = STORAGE_TYPES[typeName];
  if (!spec) throw new Error(`${file}: storage type ${typeName} is not supported`);
  if (typeof key !== 'string' || !/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`${file}: a storage key ${JSON.stringify(key)} that is not a plain name`);
  if (items.length > 5 && items[5] !== null) throw new Error(`${file}: storage views (legacy view_metadata) are not supported`);
  return new StorageValue({ key, dtype: spec.dtype, numel: int(numel, 'a storage size', file), location: String(location) });
}
