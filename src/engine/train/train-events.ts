// What a training run tells its caller (CLI progress bar, the worker process, tests).
import type { EpochMetrics } from './checkpoint';
import type { BudgetPlan } from './time-budget';

export type TrainEvent =
  | {
      type: 'started';
      backend: string;
      device: string;
      detail: string;
      trainImages: number;
      validImages: number;
      testImages: number;
      epochs: number;
      startEpoch: number;
      trainableParams: number;
    }
  | {
      type: 'progress';
      phase: 'train' | 'valid' | 'test';
      epoch: number;
      epochs: number;
      batch: number;
      batches: number;
      imagesPerSecond: number;
      etaSeconds: number;
      loss?: number;
    }
  | { type: 'epoch'; metrics: EpochMetrics; bestValidDice: number; bestEpoch: number; improved: boolean; checkpoint: string }
  | { type: 'preview'; epoch: number; size: number; samples: Array<{ id: string; dice: number; mask: Uint8Array }> }
  | { type: 'test'; dice: number; images: number }
  /** ImageNet encoder weights (config.encoderWeights): download progress, then what was loaded. */
  | { type: 'encoder-weights'; phase: 'download'; bytes: number; total: number | null }
  | { type: 'encoder-weights'; phase: 'loaded'; file: string; tensors: number; sha256?: string }
  /** A time-budgeted run fixed its epoch count after the first epoch (time-budget.ts). */
  | ({ type: 'planned' } & BudgetPlan);

export interface TrainResult {
  bestValidDice: number;
  bestEpoch: number;
  testDice: number | null;
  testImages: number;
  /** Folder of the best-valid checkpoint (TensorFlow.js layers format + checkpoint.json). */
  checkpoint: string;
  /** Folder of the latest checkpoint, with optimizer state, for resume. */
  lastCheckpoint: string;
  backend: string;
  device: string;
  seconds: number;
  epochsCompleted: number;
  history: EpochMetrics[];
  cancelled: boolean;
  /** Time-budgeted runs (config.minutes): what was planned, and whether the budget stopped it before the plan's end. */
  budget?: BudgetPlan & { minutes: number; stoppedEarly: boolean };
}
