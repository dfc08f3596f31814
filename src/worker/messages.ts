// Typed messages between a parent (Electron main, the HTTP host, the CLI) and the training
// worker. The same shapes travel over Electron's utilityProcess port and over Node's fork IPC.
import type { RunConfig } from '../shared/run-config';
import type { EpochMetrics } from '../engine/types';
import type { TrainEvent } from '../engine/train/train-events';

export type ToWorker =
  | {
      type: 'start';
      runId: number;
      config: RunConfig;
      runDir: string;
      /** Continue from `<runDir>/last` (when it exists). */
      resume: boolean;
      /** The worker opens this database itself and records each finished epoch there. */
      dbPath: string;
      /** better-sqlite3 addon built for this process's ABI (Electron), when not the default. */
      nativeBinding?: string;
      previewCount: number;
    }
  | { type: 'cancel' };

export type FromWorker =
  | { type: 'ready'; pid: number }
  // The engine's own events travel as they are (one definition: engine/train/train-events.ts).
  | Omit<Extract<TrainEvent, { type: 'started' }>, 'trainableParams'>
  | Extract<TrainEvent, { type: 'progress' }>
  | Extract<TrainEvent, { type: 'preview' }>
  /** Sent after the epoch's metrics are committed to SQLite. */
  | { type: 'epoch'; metrics: EpochMetrics; bestValidDice: number; bestEpoch: number; improved: boolean }
  | {
      type: 'finished';
      cancelled: boolean;
      bestValidDice: number;
      bestEpoch: number;
      testDice: number | null;
      epochsCompleted: number;
      seconds: number;
      backend: string;
      device: string;
    }
  | { type: 'failed'; message: string; stack?: string };

export function isToWorker(m: unknown): m is ToWorker {
  return !!m && typeof m === 'object' && ((m as ToWorker).type === 'start' || (m as ToWorker).type === 'cancel');
}
