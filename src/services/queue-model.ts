// The plain run that ranks a dataset's queue: its best checkpoint, loaded once and kept while
// the file is unchanged (a fine-tune or a resumed run writes a newer best: the next call reloads).
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend/select-backend';
import { loadCheckpoint, resolveCheckpointDir } from '../engine/train/checkpoint';
import { StudioError, type ModelVersion } from '../shared/contract';
import type { RunRecord, StudioStore } from './store-types';

export interface QueueModel {
  version: ModelVersion;
  /** checkpoint folder + checkpoint.json mtime: what the scores of the cache were made with. */
  stamp: string;
  size: number;
  model: tf.LayersModel;
  backend: string;
}

/** The run a dataset's queue uses when none is named: the newest plain run on this dataset's folder with a finished epoch. */
export function defaultQueueRun(store: StudioStore, datasetRoot: string): RunRecord | undefined {
  return store.runs
    .list(10000)
    .filter((r) => !r.config.interactive?.enabled && r.epochsCompleted >= 1 && resolve(r.config.data) === datasetRoot)
    .sort((a, b) => b.id - a.id)[0];
}

/** The best checkpoint's folder and identity, without loading it. */
export function checkpointOf(run: RunRecord): { dir: string; stamp: string; mtime: Date } {
  let dir: string;
  try {
    dir = resolveCheckpointDir(join(run.runDir, 'best'));
  } catch {
    throw new StudioError('NOT_FOUND', `run ${run.id} has no best checkpoint yet (no finished epoch)`);
  }
  const st = statSync(join(dir, 'checkpoint.json'));
  return { dir, stamp: `${dir}@${st.mtimeMs}`, mtime: st.mtime };
}

export class QueueModelHolder {
  private held: QueueModel | null = null;

  constructor(private readonly store: StudioStore) {}

  async load(runId: number): Promise<QueueModel> {
    const run = this.store.runs.get(runId);
    if (!run) throw new StudioError('NOT_FOUND', `run ${runId} does not exist`);
    if (run.config.interactive?.enabled) {
      throw new StudioError('INVALID_ARGUMENT', `run ${runId} is a click-to-segment run; the queue ranks with a plain run's predictions`);
    }
    const ck = checkpointOf(run);
    const held = this.held;
    if (held && held.version.runId === runId && held.stamp === ck.stamp && tf.getBackend() === held.backend) return held;
    this.release();
    const backend = await selectBackend(run.config.backend);
    const loaded = await loadCheckpoint(ck.dir);
    loaded.optimizerWeights?.forEach((w) => w.tensor.dispose());
    this.held = {
      version: { runId, runName: run.name, epoch: loaded.meta.epoch, checkpointAt: ck.mtime.toISOString() },
      stamp: ck.stamp,
      size: loaded.meta.config.size,
      model: loaded.model,
      backend: backend.backend,
    };
    return this.held;
  }

  release(): void {
    this.held?.model.dispose();
    this.held = null;
  }
}
