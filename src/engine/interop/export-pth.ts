// A studio checkpoint → a PyTorch state_dict (.pth bytes) for the reference model of its
// architecture (scripts/torch_reference_models.py):
//   net.load_state_dict(torch.load(FILE, weights_only=True), strict=True)
// Callers write the bytes with their own no-clobber policy (services/model-export-files.ts).
import { loadCheckpoint } from '../train/checkpoint';
import { encodePth } from './pth/write-pth';
import { modelStateDict } from './torch-state-dict';

export interface PthExport {
  bytes: Buffer;
  model: string;
  base: number;
  size: number;
  /** state_dict entries (parameters, running statistics, num_batches_tracked). */
  tensors: number;
  /** Float values written (parameters + running statistics). */
  values: number;
}

export async function checkpointToPth(dir: string): Promise<PthExport> {
  const ckpt = await loadCheckpoint(dir);
  try {
    const { config } = ckpt.meta;
    const entries = modelStateDict(ckpt.model, config.model);
    const values = entries.filter((e) => e.values instanceof Float32Array).reduce((n, e) => n + e.values.length, 0);
    return { bytes: encodePth(entries), model: config.model, base: config.base, size: config.size, tensors: entries.length, values };
  } finally {
    ckpt.model.dispose();
  }
}
