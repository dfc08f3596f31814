// What the services and the worker need from the store, in the contract's own shapes. Only
// store-adapter.ts knows the repositories of src/store; everything else goes through this.
import type { RunConfig } from '../shared/run-config';
import type { EpochMetrics } from '../engine/train/checkpoint';
import type { ImportReport, Sample } from '../engine/types';
import type { DatasetSummary, EffortSummary, LabelEffort, RunStatus, RunSummary, SplitName } from '../shared/contract';

/** A stored run; the summary's training time and queue position are the runs service's to add. */
export interface RunRecord extends Omit<RunSummary, 'runDir' | 'trainingSeconds' | 'waitingFor'> {
  config: RunConfig;
  runDir: string;
}

export interface SampleQuery {
  split?: SplitName;
  species?: 'cat' | 'dog';
  breed?: string;
  labeled?: boolean;
  runId?: number;
  order: 'id' | 'dice-asc' | 'dice-desc';
  offset: number;
  limit: number;
}

export interface SampleRow extends Sample {
  predictedDice?: number;
}

export interface RunsStore {
  /** A new `queued` run; the run folder is fixed at creation. */
  create(input: { name: string; config: RunConfig; runDirFor: (id: number) => string }): RunRecord;
  markRunning(id: number, info: { backend: string; device: string }): void;
  /** Metrics row + the run's best/epochs-completed, in one transaction. */
  recordEpoch(id: number, metrics: EpochMetrics, best: { bestValidDice: number; bestEpoch: number }): void;
  /** A time-budgeted run's epoch count, fixed after its first epoch, becomes its config's `epochs`. */
  planEpochs(id: number, epochs: number): void;
  finish(id: number, info: { testDice: number | null; bestValidDice: number; bestEpoch: number }): void;
  fail(id: number, message: string): void;
  cancel(id: number): void;
  markInterrupted(id: number, reason: string): void;
  /** Runs left `running`/`queued` by a process that is gone become `interrupted`; returns their ids. */
  recoverInterrupted(opts?: { ownerless?: boolean }): number[];
  /** Back to `queued` for a resume, with a new epoch target. */
  requeue(id: number, config: RunConfig): void;
  list(limit: number): RunRecord[];
  get(id: number): RunRecord | undefined;
  metrics(id: number): EpochMetrics[];
  /** Seconds of training per run id (sum of its epochs' durations). */
  trainingSeconds(): Map<number, number>;
  status(id: number): RunStatus | undefined;
}

export interface DatasetsStore {
  /** Inserts or replaces the dataset at this root and its samples (one transaction). */
  saveImport(report: ImportReport): DatasetSummary;
  /** Moves dataset `id` to `report.root` keeping its id (runs, predictions stay linked). */
  relocate(id: number, report: ImportReport): DatasetSummary;
  /** Marks the dataset as just used (the list is most recently used first). */
  touch(id: number): void;
  list(): DatasetSummary[];
  get(id: number): DatasetSummary | undefined;
  remove(id: number): boolean;
  samples(datasetId: number, q: SampleQuery): { total: number; items: SampleRow[] };
  sample(datasetId: number, sampleId: string): Sample | undefined;
  /** Every sample of a split (for prediction and export). */
  samplesOfSplit(datasetId: number, split: SplitName): Sample[];
  setMaskPath(datasetId: number, sampleId: string, maskPath: string, encoding: 'binary' | 'trimap'): void;
}

export interface PredictionsStore {
  /** Replaces the stored predictions of (run, dataset, split). */
  save(runId: number, datasetId: number, split: SplitName, items: Array<{ sampleId: string; dice: number; maskPath: string }>): void;
  list(runId: number, datasetId: number, split: SplitName): Array<{ sampleId: string; dice: number; maskPath: string }>;
  get(runId: number, datasetId: number, sampleId: string): { dice: number; maskPath: string } | undefined;
}

export interface ExportsStore {
  create(input: { runId: number; kind: 'masks' | 'model'; folder: string; detail: Record<string, unknown> }): number;
  finish(id: number, files: number): void;
  fail(id: number, message: string): void;
}

/** Who holds a device claim (for "waiting for run N" messages). */
export interface DeviceHolder {
  device: string;
  runId: number;
  runName: string | null;
  ownerPid: number;
  ownerHost: string;
  claimedAt: string;
}

/** One training per device across processes (see store/device-claims-repo.ts). */
export interface DeviceClaimsStore {
  /** Claims `device` for this process's run `runId`; refused while another live run holds it. */
  claim(
    device: string,
    runId: number,
  ): { acquired: true; tookOver?: { holder: DeviceHolder; reason: string } } | { acquired: false; holder: DeviceHolder };
  /** Gives back this process's claim for `runId` (no-op when it holds none). */
  release(device: string, runId: number): boolean;
}

/** A stored sweep (store/sweeps-repo.ts); each configuration's config re-parsed on read. */
export interface StoredSweep {
  id: number;
  name: string;
  baseConfig: Record<string, unknown>;
  grid: Record<string, Array<number | string | boolean>>;
  minutesEach: number | null;
  createdAt: string;
  finishedAt: string | null;
  configurations: Array<{ position: number; settings: Record<string, number | string | boolean>; config: RunConfig; runId: number | null }>;
}

export interface SweepsStore {
  create(input: Omit<StoredSweep, 'id' | 'createdAt' | 'finishedAt' | 'configurations'> & { configurations: Array<{ settings: Record<string, number | string | boolean>; config: RunConfig }> }): number;
  get(id: number): StoredSweep | undefined;
  list(limit: number): StoredSweep[];
  /** Throws when the configuration already has a run (another process took it). */
  attachRun(sweepId: number, position: number, runId: number): void;
  setFinished(id: number, finished: boolean): void;
}

/** Labeling effort per saved mask (store/effort-repo.ts). */
export interface EffortStore {
  record(datasetId: number, sampleId: string, maskPath: string, effort: LabelEffort): number;
  list(datasetId: number): Array<LabelEffort & { id: number; stem: string; savedAt: string; maskPath: string }>;
  summary(datasetId: number): EffortSummary;
}

export interface StudioStore {
  runs: RunsStore;
  devices: DeviceClaimsStore;
  /** Renews the leases of this process's unfinished runs and device claims (owner-heartbeat.ts). */
  renewLeases(): void;
  datasets: DatasetsStore;
  predictions: PredictionsStore;
  exports: ExportsStore;
  effort: EffortStore;
  sweeps: SweepsStore;
  /** `PRAGMA integrity_check` result ('ok' when healthy). */
  integrityCheck(): string;
  close(): void;
}
