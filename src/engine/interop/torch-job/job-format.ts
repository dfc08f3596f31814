// The files of a PyTorch training job (export-job writes them, train.py reads and writes them,
// import-job reads them back). One place for their names and shapes, so the three agree.
import type { RunConfig } from '../../../shared/run-config';

export const JOB_FORMAT = 'seg-studio-torch-job';
export const JOB_VERSION = 1;

/** What export-job writes into the job folder. */
export const JOB_FILES = {
  config: 'config.json',
  splits: 'splits.json',
  train: 'train.py',
  models: 'models.py',
  data: 'data.py',
  augment: 'augment.py',
  readme: 'README.md',
} as const;

/** What train.py writes into its output folder (default `output/` in the job folder). */
export const OUTPUT_FILES = {
  folder: 'output',
  job: 'job.json',
  metrics: 'metrics.jsonl',
  best: 'best.pth',
  last: 'last.pth',
  snapshot: 'snapshot.pt',
  summary: 'summary.json',
} as const;

/** config.json: the run as the studio stored it, and where its dataset was. */
export interface JobConfigFile {
  format: typeof JOB_FORMAT;
  version: typeof JOB_VERSION;
  /** Random id of this export: an output folder names it, so import-job can tell jobs apart. */
  jobId: string;
  runId: number;
  runName: string;
  exportedAt: string;
  run: RunConfig;
  dataset: { path: string; layout: 'oxford' | 'generic'; maskEncoding: 'trimap' | 'binary' };
}

export interface SplitEntry {
  id: string;
  /** Relative to the dataset folder, '/'-separated, so `--data` can point elsewhere. */
  image: string;
  mask: string;
}

/** splits.json: the studio importer's split of the dataset for this run's seed and valFraction. */
export interface SplitsFile {
  layout: 'oxford' | 'generic';
  maskEncoding: 'trimap' | 'binary';
  seed: number;
  valFraction: number;
  train: SplitEntry[];
  valid: SplitEntry[];
  test: SplitEntry[];
}

/** output/job.json: how the job actually ran (after the command-line overrides). */
export interface JobOutputFile {
  format: 'seg-studio-torch-job-output';
  version: 1;
  config: RunConfig;
  data: string;
  worldSize: number;
  localWorldSize: number;
  device: string;
  backend: string;
  batchSizePerProcess: number;
  torch: string;
  runId: number | null;
  runName?: string | null;
  jobId: string | null;
  trainImages: number;
  validImages: number;
  testImages: number;
}

/** One line of output/metrics.jsonl. */
export interface MetricsLine {
  epoch: number;
  trainLoss: number;
  trainBce: number;
  trainDiceLoss: number;
  trainDice: number;
  validBce: number;
  validDiceLoss: number;
  validDice: number;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
  trainImagesSeen: number;
  validImages: number;
  worldSize: number;
  bestValidDice: number;
  bestEpoch: number;
}

/** output/summary.json, written once the job finished its epochs (and scored the test split). */
export interface SummaryFile {
  epochs: number;
  bestValidDice: number;
  bestEpoch: number;
  testDice: number | null;
  testImages: number;
  /** The test split's mean BCE and soft Dice loss with the best weights (null without a test split). */
  testBce?: number | null;
  testDiceLoss?: number | null;
}
