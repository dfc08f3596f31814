// A studio model's weights as a PyTorch state_dict of the reference models
// (scripts/torch_reference_models.py), and back, through the key and layout mapping of
// models/torch-names.ts. Loading is strict, like load_state_dict(strict=True): every key the
// model needs must be there with PyTorch's shape, and a key the model does not have is refused,
// each problem named with the file.
import * as tf from '@tensorflow/tfjs';
import type { ModelName } from '../types';
import { fromTorchLayout, torchMapping, toTorchLayout, torchShape } from '../models/torch-names';
import type { PthTensor } from './pth/torch-tensors';
import type { PthEntry } from './pth/write-pth';

/** PyTorch's BatchNorm2d buffer with no studio counterpart (it only matters with momentum=None). */
const BATCHES_TRACKED = '.num_batches_tracked';

/** The model's state_dict in the reference model's key order, with num_batches_tracked = 0 after each batch norm. */
export function modelStateDict(model: tf.LayersModel, expected?: ModelName): PthEntry[] {
  const mapping = torchMapping(model, expected);
  const entries: PthEntry[] = [];
  for (const w of mapping.weights) {
    const shape = w.variable.shape as number[];
    entries.push({ key: w.key, shape: torchShape(shape, w.layout), values: toTorchLayout(w.variable.read().dataSync() as Float32Array, shape, w.layout) });
    // PyTorch lists a batch norm's buffers as running_mean, running_var, num_batches_tracked.
    if (w.key.endsWith('.running_var')) entries.push({ key: w.key.slice(0, -'.running_var'.length) + BATCHES_TRACKED, shape: [], values: new BigInt64Array(1) });
  }
  return inModuleOrder(entries);
}

/**
 * PyTorch lists a BasicBlock's projection shortcut (`downsample`, registered last) after bn2;
 * the mapping walks it first. Moving each block's downsample keys after the block's other keys
 * gives the file the key order of the reference model's own state_dict().
 */
function inModuleOrder(entries: PthEntry[]): PthEntry[] {
  const out = entries.filter((e) => !e.key.includes('.downsample.'));
  const shortcuts = entries.filter((e) => e.key.includes('.downsample.'));
  for (const block of new Set(shortcuts.map((e) => e.key.slice(0, e.key.indexOf('.downsample.') + 1)))) {
    let at = -1;
    out.forEach((e, i) => e.key.startsWith(block) && (at = i));
    out.splice(at + 1, 0, ...shortcuts.filter((e) => e.key.startsWith(block + 'downsample.')));
  }
  return out;
}

/** Float values of a tensor as float32 (float32 exactly as stored; float64/16 rounded). */
function float32Of(t: PthTensor, where: string): Float32Array {
  if (t.values instanceof Float32Array) return t.values;
  if (t.values instanceof Float64Array) return Float32Array.from(t.values);
  throw new Error(`${where}: a ${t.dtype} tensor where a floating-point weight is expected`);
}

/** Strips a prefix every key carries (nn.DataParallel's "module."). */
export function withoutCommonPrefix(tensors: Map<string, PthTensor>, prefix = 'module.'): Map<string, PthTensor> {
  const keys = [...tensors.keys()];
  if (!keys.every((k) => k.startsWith(prefix))) return tensors;
  return new Map(keys.map((k) => [k.slice(prefix.length), tensors.get(k)!]));
}

export interface LoadOptions {
  /** The file the tensors came from, named in errors. */
  file: string;
  model?: ModelName;
  /** Load only the keys under this prefix (e.g. "encoder."), read from the file without it. */
  only?: string;
  /** Keys of the file that may be left unused (e.g. torchvision's fc.*). */
  ignore?: (key: string) => boolean;
}

/** Copies a state_dict into the model (strict); returns how many tensors were loaded. */
export function loadStateDict(model: tf.LayersModel, tensors: Map<string, PthTensor>, opts: LoadOptions): number {
  const mapping = torchMapping(model, opts.model);
  const only = opts.only ?? '';
  const wanted = mapping.weights.filter((w) => w.key.startsWith(only));
  const used = new Set<string>();
  const missing: string[] = [];
  const problems: string[] = [];
  const updates: Array<{ variable: tf.LayerVariable; values: Float32Array }> = [];
  for (const w of wanted) {
    const key = w.key.slice(only.length);
    const t = tensors.get(key);
    if (!t) {
      missing.push(key);
      continue;
    }
    used.add(key);
    const shape = w.variable.shape as number[];
    const expected = torchShape(shape, w.layout);
    if (t.shape.join(',') !== expected.join(',')) {
      problems.push(`"${key}" has shape [${t.shape}], the model needs [${expected}]`);
      continue;
    }
    updates.push({ variable: w.variable, values: fromTorchLayout(float32Of(t, `${opts.file}: "${key}"`), shape, w.layout) });
  }
  const unexpected = [...tensors.keys()].filter((k) => !used.has(k) && !k.endsWith(BATCHES_TRACKED) && !opts.ignore?.(k));
  const list = (keys: string[]) => keys.slice(0, 6).map((k) => `"${k}"`).join(', ') + (keys.length > 6 ? ` and ${keys.length - 6} more` : '');
  if (missing.length) problems.push(`missing ${missing.length} key(s) the ${mapping.model} needs: ${list(missing)}`);
  if (unexpected.length) problems.push(`${unexpected.length} key(s) the ${mapping.model} does not have: ${list(unexpected)}`);
  if (problems.length) throw new Error(`${opts.file}: does not fit this ${mapping.model}${only ? ` (${only.slice(0, -1)})` : ''}: ${problems.join('; ')}`);
  // Written only once everything fits: a refused file leaves the model as it was.
  for (const u of updates) {
    const t = tf.tensor(u.values, u.variable.shape as number[]);
    u.variable.write(t);
    t.dispose();
  }
  return updates.length;
}

/** Which reference model a state_dict is for, its base width and input channels, from its first convolution. */
export function describeStateDict(tensors: Map<string, PthTensor>): { model: ModelName; base: number; inChannels: number } | null {
  for (const [model, key] of [['unet', 'inc.double_conv.0.weight'], ['resnet34_unet', 'encoder.conv1.weight']] as const) {
    const t = tensors.get(key);
    if (t && t.shape.length === 4) return { model, base: t.shape[0]!, inChannels: t.shape[1]! };
  }
  return null;
}
