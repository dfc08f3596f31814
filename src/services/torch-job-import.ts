// import-job: a PyTorch job's output becomes a run of the studio, recorded through the store's
// run life cycle like any other (queued → running → one committed row per epoch → completed), so
// `seg-studio runs`, the curves, predictions and resume treat it as a run trained here. A job
// stopped before its last epoch (no summary.json) is recorded as interrupted: its epochs stay and
// resume continues it in the studio from `last/`.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJobOutput } from '../engine/interop/torch-job/read-job-output';
import { TORCH_JOB_BACKEND, writeJobCheckpoints } from '../engine/interop/torch-job/job-checkpoints';
import type { RunRecord, StudioStore } from './store-types';

export interface ImportedJob {
  run: RunRecord;
  output: string;
  epochs: number;
  finished: boolean;
}

export async function importTorchJob(store: StudioStore, runsFolder: string, dir: string): Promise<ImportedJob> {
  const out = readJobOutput(dir);
  const finished = out.summary !== undefined;
  const lastLine = out.lines[out.lines.length - 1]!;
  // Weights first, into a folder of their own: a .pth that does not load leaves no run behind.
  mkdirSync(runsFolder, { recursive: true });
  const staging = join(runsFolder, `.import-${process.pid}-${Date.now()}`);
  try {
    await writeJobCheckpoints(out, staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  const name = `${out.job?.runName ?? out.ran.runName ?? `run ${out.ran.runId ?? '?'}`} (torchrun ${out.ran.device} ×${out.ran.worldSize})`;
  const rec = store.runs.create({ name, config: out.config, runDirFor: (id) => join(runsFolder, `run-${id}`) });
  try {
    if (existsSync(rec.runDir)) throw new Error(`${rec.runDir}: already exists; not replacing another run's folder`);
    renameSync(staging, rec.runDir);
    store.runs.markRunning(rec.id, { backend: TORCH_JOB_BACKEND, device: `${out.ran.device}×${out.ran.worldSize}` });
    for (let i = 0; i < out.metrics.length; i++) {
      const line = out.lines[i]!;
      store.runs.recordEpoch(rec.id, out.metrics[i]!, { bestValidDice: line.bestValidDice, bestEpoch: line.bestEpoch });
    }
    if (finished) {
      store.runs.finish(rec.id, { testDice: out.summary!.testDice, bestValidDice: lastLine.bestValidDice, bestEpoch: lastLine.bestEpoch });
    } else {
      store.runs.markInterrupted(rec.id, `the PyTorch job stopped after epoch ${lastLine.epoch} of ${out.config.epochs}`);
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    store.runs.fail(rec.id, `import-job: ${(err as Error).message}`);
    throw err;
  }
  return { run: store.runs.get(rec.id)!, output: out.dir, epochs: out.metrics.length, finished };
}
