// A job's PyTorch weights (best.pth, last.pth) as studio checkpoints (`best/`, `last/`), through
// the .pth reader and the strict state_dict loader of interop/ (the same path `import-weights`
// takes), plus a copy of the job's own files under `torch-job/`, so the run folder keeps where
// its numbers came from. `last/` has no optimizer state: a resumed run starts a fresh Adam.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from '../../types';
import { buildModel } from '../../models/build-model';
import { saveCheckpoint } from '../../train/checkpoint';
import { readPth } from '../pth/read-pth';
import { loadStateDict, withoutCommonPrefix } from '../torch-state-dict';
import { OUTPUT_FILES } from './job-format';
import type { JobOutput } from './read-job-output';

/** Backend name recorded in the checkpoints and the run of an imported job. */
export const TORCH_JOB_BACKEND = 'pytorch';

async function writeOne(pth: string, dir: string, out: JobOutput, kind: 'best' | 'last', epoch: number, history: EpochMetrics[], best: { dice: number; epoch: number }): Promise<void> {
  const { config } = out;
  const model = buildModel({ model: config.model, base: config.base, size: config.size, randomWeights: false });
  try {
    loadStateDict(model, withoutCommonPrefix(readPth(pth).tensors), { file: pth, model: config.model });
    await saveCheckpoint(dir, model, { kind, epoch, config, bestValidDice: best.dice, bestEpoch: best.epoch, history, backend: TORCH_JOB_BACKEND });
  } finally {
    model.dispose();
  }
}

/** Writes `<runDir>/best`, `<runDir>/last` and `<runDir>/torch-job/` from the job's output. */
export async function writeJobCheckpoints(out: JobOutput, runDir: string): Promise<{ best: string; last: string; bestEpoch: number }> {
  const last = out.lines[out.lines.length - 1]!;
  const bestEpoch = last.bestEpoch;
  const bestValidDice = last.bestValidDice;
  if (!Number.isInteger(bestEpoch) || bestEpoch < 1 || bestEpoch > out.lines.length) throw new Error(`${join(out.dir, OUTPUT_FILES.metrics)}: best epoch ${bestEpoch} is not one of its ${out.lines.length} epochs`);
  const best = { dice: bestValidDice, epoch: bestEpoch };
  const bestDir = join(runDir, 'best');
  const lastDir = join(runDir, 'last');
  await writeOne(out.best, bestDir, out, 'best', bestEpoch, out.metrics.slice(0, bestEpoch), best);
  await writeOne(out.last, lastDir, out, 'last', last.epoch, out.metrics, best);
  const keep = join(runDir, 'torch-job');
  mkdirSync(keep, { recursive: true });
  for (const f of [OUTPUT_FILES.job, OUTPUT_FILES.metrics, OUTPUT_FILES.summary, OUTPUT_FILES.best]) {
    if (existsSync(join(out.dir, f))) copyFileSync(join(out.dir, f), join(keep, f));
  }
  return { best: bestDir, last: lastDir, bestEpoch };
}
