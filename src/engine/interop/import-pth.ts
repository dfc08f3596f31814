// A PyTorch state_dict (.pth) of a reference model → a studio checkpoint folder that eval,
// predict and the app load like a trained run's (TensorFlow.js layers format + checkpoint.json).
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseRunConfig } from '../../shared/run-config';
import { buildModel } from '../models/build-model';
import type { ModelName } from '../types';
import { saveCheckpoint } from '../train/checkpoint';
import { readPth } from './pth/read-pth';
import { describeStateDict, loadStateDict, withoutCommonPrefix } from './torch-state-dict';

export interface ImportPthOptions {
  pth: string;
  model: ModelName;
  /** First-level channels; read from the file when not given. */
  base?: number;
  /** The input side the checkpoint is for (the weights fit any valid size). */
  size?: number;
  /** The checkpoint folder to create; must not exist. */
  out: string;
  /** The dataset eval/predict default to (the run config needs one); "sample" when not given. */
  data?: string;
}

export interface ImportPthResult {
  checkpoint: string;
  model: ModelName;
  base: number;
  size: number;
  tensors: number;
  format: 'zip' | 'legacy';
  foundUnder?: string;
}

/** Written beside checkpoint.json: where the weights came from. */
export const IMPORT_RECORD = 'imported-from.json';

export async function importPthCheckpoint(opts: ImportPthOptions): Promise<ImportPthResult> {
  const pth = resolve(opts.pth);
  const out = resolve(opts.out);
  if (existsSync(out)) throw new Error(`${out}: already exists; importing never replaces a folder (choose a new --out)`);
  const sd = readPth(pth);
  const tensors = withoutCommonPrefix(sd.tensors);
  const found = describeStateDict(tensors);
  if (!found) throw new Error(`${pth}: not a state_dict of the studio's reference UNet or ResNet34-UNet (no "inc.double_conv.0.weight" or "encoder.conv1.weight"; see docs/interop.md for the module names)`);
  if (found.model !== opts.model) throw new Error(`${pth}: holds a ${found.model} state_dict, not a ${opts.model} (use --model ${found.model})`);
  if (found.inChannels !== 3) throw new Error(`${pth}: its first convolution takes ${found.inChannels} input channels; only RGB (3) models are imported`);
  const base = opts.base ?? found.base;
  if (base !== found.base) throw new Error(`${pth}: its base width is ${found.base}, not ${base} (--base)`);
  const config = parseRunConfig({ data: opts.data ?? 'sample', model: opts.model, base, size: opts.size ?? 256 });
  const model = buildModel({ model: config.model, base: config.base, size: config.size, randomWeights: false });
  try {
    const loaded = loadStateDict(model, tensors, { file: pth, model: opts.model });
    await saveCheckpoint(out, model, { kind: 'best', epoch: 0, config, bestValidDice: -1, bestEpoch: 0, history: [], backend: 'pytorch-import' });
    writeFileSync(join(out, IMPORT_RECORD), JSON.stringify({ from: pth, format: sd.format, foundUnder: sd.foundUnder ?? null, tensors: sd.tensors.size, importedAt: new Date().toISOString() }, null, 2));
    return { checkpoint: out, model: config.model, base, size: config.size, tensors: loaded, format: sd.format, foundUnder: sd.foundUnder };
  } finally {
    model.dispose();
  }
}
