// Typed messages between a parent (Electron main, the HTTP host, the CLI) and the training
// worker. The same shapes travel over Electron's utilityProcess port and over Node's fork IPC.
import type { RunConfig } from '../shared/run-config';
import type { EpochMetrics } from '../engine/train/checkpoint';

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
  /** Sent after the epoch's metrics are committed to SQLite. */
  | { type: 'epoch'; metrics: EpochMetrics; bestValidDice: number; bestEpoch: number; improved: boolean }
  | { type: 'preview'; epoch: number; size: number; samples: Array<{ id: string; dice: number; mask: Uint8Array }> }
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
