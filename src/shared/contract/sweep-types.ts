// Results of the `sweeps` domain (issue 14): a grid of run configurations tried one after
// another as ordinary runs, ranked by their best valid Dice.
import type { RunConfig } from '../run-config';
import type { RunStatus } from './types';

export type SweepSettings = Record<string, number | string | boolean>;

/** done: every configuration's run finished; running: one is queued or training; stopped: resumable. */
export type SweepStatus = 'running' | 'stopped' | 'done';

export interface SweepSummary {
  id: number;
  name: string;
  /** The grid as given, by run-config field ('size=128,160;learningRate=0.001,0.002' as text in `gridText`). */
  grid: Record<string, Array<number | string | boolean>>;
  gridText: string;
  minutesEach: number | null;
  createdAt: string;
  finishedAt: string | null;
  status: SweepStatus;
  configurations: number;
  /** Configurations whose run ended (completed or failed). */
  finished: number;
}

/** One configuration with its run's numbers, in ranking order. */
export interface SweepRankedRun {
  /** 1 = best valid Dice; null while it has no finished epoch. */
  rank: number | null;
  position: number;
  settings: SweepSettings;
  runId: number | null;
  status: RunStatus | 'pending';
  bestValidDice: number | null;
  bestEpoch: number | null;
  testDice: number | null;
  epochsCompleted: number;
  /** Training seconds (the epochs' own durations). */
  seconds: number;
  /** Mean training images/s over its epochs. */
  imagesPerSecond: number | null;
  /** The configuration as the sweep made it (with a budget: before its epochs were planned). */
  config: RunConfig;
}

export interface SweepDetail extends SweepSummary {
  ranking: SweepRankedRun[];
  /** The best configuration so far, with the `seg-studio train` line that trains it again. */
  winner: { runId: number; settings: SweepSettings; config: RunConfig; command: string } | null;
}
