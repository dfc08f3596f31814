// A crash can land between the `last` checkpoint write and the epoch's commit to SQLite (the
// engine saves the checkpoint first, then reports the epoch). Resuming from that checkpoint
// would then skip an epoch the database never saw; its metrics are in the checkpoint's history,
// so the resumer records them before training on.
import { readCheckpointMeta, type EpochMetrics } from '../engine/train/checkpoint';

export interface BackfillEpoch {
  metrics: EpochMetrics;
  best: { bestValidDice: number; bestEpoch: number };
}

/** Epochs of the checkpoint's history after `recordedEpochs`, each with the best so far. */
export function epochsToBackfill(resumeFrom: string | undefined, recordedEpochs: number): BackfillEpoch[] {
  if (!resumeFrom) return [];
  const history = readCheckpointMeta(resumeFrom).history;
  const out: BackfillEpoch[] = [];
  let bestValidDice = -1;
  let bestEpoch = 0;
  for (const m of history) {
    // The engine's own rule for "improved".
    if (m.validDice > bestValidDice) {
      bestValidDice = m.validDice;
      bestEpoch = m.epoch;
    }
    if (m.epoch > recordedEpochs) out.push({ metrics: m, best: { bestValidDice, bestEpoch } });
  }
  return out;
}
