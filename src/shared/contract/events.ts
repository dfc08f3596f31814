// Every event the UI can receive. Services publish them on one in-process bus; Electron sends
// them to each window on IPC channel EVENT_CHANNEL, the HTTP host over the WebSocket at
// /api/events as {"event": name, "payload": ...} (wire-encoded, so mask bytes survive).
import type { EpochMetricsRow, RunStatus, SplitName } from './types';

export interface StudioEvents {
  'run:progress': {
    runId: number;
    phase: 'train' | 'valid' | 'test';
    epoch: number;
    epochs: number;
    batch: number;
    batches: number;
    imagesPerSecond: number;
    etaSeconds: number;
    loss?: number;
  };
  'run:epoch': { runId: number; metrics: EpochMetricsRow; bestValidDice: number; bestEpoch: number; improved: boolean };
  /** A few validation predictions after an epoch: masks are size×size bytes, 0 or 1. */
  'run:preview': { runId: number; epoch: number; size: number; samples: Array<{ sampleId: string; dice: number; mask: Uint8Array }> };
  'run:status': {
    runId: number;
    status: RunStatus;
    error?: string;
    bestValidDice?: number | null;
    testDice?: number | null;
    backend?: string;
    device?: string;
  };
  /** exportId and runId are null for an export of a dataset's own labels (exports.labels; split may be 'all'). */
  'export:progress': { exportId: number | null; runId: number | null; datasetId?: number; split: SplitName | 'all'; done: number; total: number };
  'dataset:import-progress': { path: string; done: number; total: number };
  /**
   * datasets.download: bytes of the archive `file` in phases download/verify/extract, samples
   * checked in phase import. `total`, `etaSeconds` are null while unknown; `rate` is units/s.
   */
  'dataset:download-progress': {
    dest: string;
    phase: 'download' | 'verify' | 'extract' | 'import';
    file: string;
    bytes: number;
    total: number | null;
    rate: number;
    etaSeconds: number | null;
  };
}

export type EventName = keyof StudioEvents;
export type StudioEvent = { [K in EventName]: { event: K; payload: StudioEvents[K] } }[EventName];

export const EVENT_NAMES: EventName[] = [
  'run:progress',
  'run:epoch',
  'run:preview',
  'run:status',
  'export:progress',
  'dataset:import-progress',
  'dataset:download-progress',
];
