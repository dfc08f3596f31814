// A studio checkpoint → a PyTorch state_dict (.pth) for the reference model of its architecture
// (scripts/torch_reference_models.py): `net.load_state_dict(torch.load(FILE), strict=True)`.
import { resolve } from 'node:path';
import { loadCheckpoint } from '../train/checkpoint';
import { writePth } from './pth/write-pth';
import { modelStateDict } from './torch-state-dict';

export interface ExportPthResult {
  file: string;
  model: string;
  base: number;
  size: number;
  tensors: number;
  parameters: number;
}

export async function exportPth(opts: { checkpoint: string; out: string; overwrite?: boolean }): Promise<ExportPthResult> {
  const ckpt = await loadCheckpoint(resolve(opts.checkpoint));
  try {
    const { config } = ckpt.meta;
    const entries = modelStateDict(ckpt.model, config.model);
    const file = resolve(opts.out);
    writePth(file, entries, { overwrite: opts.overwrite });
    const parameters = entries.filter((e) => e.values instanceof Float32Array).reduce((n, e) => n + e.values.length, 0);
    return { file, model: config.model, base: config.base, size: config.size, tensors: entries.length, parameters };
  } finally {
    ckpt.model.dispose();
  }
}
