// Checkpoints in the TensorFlow.js layers format (model.json + weights.bin), plus checkpoint.json
// with the run config and metrics, plus the optimizer state for resuming.
//
// Atomicity: a checkpoint is written into a fresh temp folder, fsynced, then swapped in with
// renames (old → .old, tmp → final, remove .old). A crash at any point leaves either the
// previous checkpoint or the new one readable; loadCheckpoint falls back to `.old` when the
// final folder is missing because the crash hit between the two renames.
import * as tf from '@tensorflow/tfjs';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RunConfig } from '../../shared/run-config';
import type { EpochMetrics } from '../types';
import type { EmaState } from './weight-ema';

/** A tensor with the name it is saved under (tfjs's own NamedTensor type is not exported). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export type { EpochMetrics } from '../types';

export interface CheckpointMeta {
  format: 'seg-studio-checkpoint';
  version: 1;
  kind: 'best' | 'last';
  /** Epochs completed when this was written (1-based count). */
  epoch: number;
  config: RunConfig;
  bestValidDice: number;
  bestEpoch: number;
  history: EpochMetrics[];
  backend: string;
  savedAt: string;
  hasOptimizerState: boolean;
  optimizerWeightSpecs?: tf.io.WeightsManifestEntry[];
  /** The `last` checkpoint of a run with emaDecay > 0: its weight average, in ema.bin (weight-ema.ts). */
  ema?: EmaFileInfo;
}

/** What checkpoint.json says of ema.bin: the float32 arrays of the weights, one after another. */
export interface EmaFileInfo {
  decay: number;
  updates: number;
  warmup: boolean;
  weights: Array<{ name: string; shape: number[] }>;
}

const EMA_FILE = 'ema.bin';

export interface LoadedCheckpoint {
  model: tf.LayersModel;
  meta: CheckpointMeta;
  /** Present when the checkpoint carries optimizer state (the `last` checkpoint does). */
  optimizerWeights?: NamedTensor[];
  dir: string;
}

function writeFileDurable(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the renames are still ordered.
  }
}

async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured) throw new Error('model.save produced no artifacts');
  return captured;
}

/** Writes model.json + weights.bin (the layers format tf.loadLayersModel reads) into `dir`. */
export async function writeLayersModel(dir: string, model: tf.LayersModel): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const artifacts = await modelArtifacts(model);
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  writeFileDurable(join(dir, 'weights.bin'), new Uint8Array(weightData));
  writeFileDurable(join(dir, 'model.json'), JSON.stringify(modelJson));
}

/** Reads a layers-format model folder (model.json + its weight files) without needing tfjs-node. */
export async function readLayersModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) throw new Error(`${jsonPath}: no model.json (not a TensorFlow.js layers model folder)`);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
  } catch (err) {
    throw new Error(`${jsonPath}: not valid JSON (${(err as Error).message})`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = join(dir, p);
      if (!existsSync(file)) throw new Error(`${file}: weight file named by model.json is missing`);
      const b = readFileSync(file);
      buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
  }
  const weightData = tf.io.CompositeArrayBuffer.join(buffers);
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }),
  );
}

/** Resolves the folder to read: the final one, or `.old` if a crash hit between the swap renames. */
export function resolveCheckpointDir(dir: string): string {
  if (existsSync(join(dir, 'checkpoint.json'))) return dir;
  const old = `${dir}.old`;
  if (existsSync(join(old, 'checkpoint.json'))) return old;
  throw new Error(`${dir}: no checkpoint here (missing checkpoint.json)`);
}

export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  meta: Omit<CheckpointMeta, 'format' | 'version' | 'savedAt' | 'hasOptimizerState' | 'optimizerWeightSpecs' | 'ema'>,
  optimizerWeights?: NamedTensor[],
  ema?: EmaState,
): Promise<void> {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  await writeLayersModel(tmp, model);
  let optimizerWeightSpecs: tf.io.WeightsManifestEntry[] | undefined;
  if (optimizerWeights && optimizerWeights.length > 0) {
    const encoded = await tf.io.encodeWeights(optimizerWeights);
    optimizerWeightSpecs = encoded.specs;
    const data = tf.io.CompositeArrayBuffer.join(encoded.data as ArrayBuffer | ArrayBuffer[]);
    writeFileDurable(join(tmp, 'optimizer.bin'), new Uint8Array(data));
  }
  if (ema) writeFileDurable(join(tmp, EMA_FILE), emaBytes(ema));
  const full: CheckpointMeta = {
    format: 'seg-studio-checkpoint',
    version: 1,
    ...meta,
    savedAt: new Date().toISOString(),
    hasOptimizerState: optimizerWeightSpecs !== undefined,
    optimizerWeightSpecs,
    ema: ema && { decay: ema.decay, updates: ema.updates, warmup: ema.warmup, weights: ema.weights.map((w) => ({ name: w.name, shape: w.shape })) },
  };
  // checkpoint.json is written last: its presence marks a complete folder.
  writeFileDurable(join(tmp, 'checkpoint.json'), JSON.stringify(full, null, 2));
  fsyncDir(tmp);
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  fsyncDir(parent);
  rmSync(old, { recursive: true, force: true });
}

export function readCheckpointMeta(dir: string): CheckpointMeta {
  const real = resolveCheckpointDir(dir);
  const file = join(real, 'checkpoint.json');
  try {
    const meta = JSON.parse(readFileSync(file, 'utf8')) as CheckpointMeta;
    if (meta.format !== 'seg-studio-checkpoint') throw new Error('not a seg-studio checkpoint');
    return meta;
  } catch (err) {
    throw new Error(`${file}: unreadable checkpoint metadata (${(err as Error).message})`);
  }
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const real = resolveCheckpointDir(dir);
  const meta = readCheckpointMeta(real);
  const model = await readLayersModel(real);
  let optimizerWeights: NamedTensor[] | undefined;
  if (meta.hasOptimizerState && meta.optimizerWeightSpecs) {
    const b = readFileSync(join(real, 'optimizer.bin'));
    const map = tf.io.decodeWeights(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, meta.optimizerWeightSpecs);
    optimizerWeights = meta.optimizerWeightSpecs.map((s) => ({ name: s.name, tensor: map[s.name]! }));
  }
  return { model, meta, optimizerWeights, dir: real };
}

function emaBytes(ema: EmaState): Uint8Array {
  const total = ema.weights.reduce((n, w) => n + w.values.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const w of ema.weights) {
    all.set(w.values, at);
    at += w.values.length;
  }
  return new Uint8Array(all.buffer);
}

/** The weight average saved with a checkpoint (its ema.bin), or undefined when it has none. */
export function readCheckpointEma(dir: string): EmaState | undefined {
  const real = resolveCheckpointDir(dir);
  const info = readCheckpointMeta(real).ema;
  if (!info) return undefined;
  const file = join(real, EMA_FILE);
  if (!existsSync(file)) throw new Error(`${file}: missing (checkpoint.json names a weight average)`);
  const b = readFileSync(file);
  const sizes = info.weights.map((w) => w.shape.reduce((a, x) => a * x, 1));
  const total = sizes.reduce((a, x) => a + x, 0);
  if (b.byteLength !== total * 4) throw new Error(`${file}: ${b.byteLength} bytes; checkpoint.json names ${total} floats (${total * 4} bytes)`);
  const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  let at = 0;
  const weights = info.weights.map((w, i) => {
    const values = all.subarray(at, at + sizes[i]!);
    at += sizes[i]!;
    return { name: w.name, shape: w.shape, values };
  });
  return { decay: info.decay, updates: info.updates, warmup: info.warmup, weights };
}
