// The shapes results take. Plain data only (strings, numbers, arrays, Uint8Array), so they
// survive structured clone (IPC) and the wire codec (HTTP) unchanged.
import type { RunConfig, RunConfigInput } from '../run-config';
import type { EpochMetrics } from '../../engine/types';

export type SplitName = 'train' | 'valid' | 'test';
export type Species = 'cat' | 'dog';

export interface DatasetSummary {
  id: number;
  root: string;
  name: string;
  layout: 'oxford' | 'generic';
  counts: { train: number; valid: number; test: number; unlabeled: number };
  skipped: number;
  /** When it was last opened or browsed (kept for older clients; same as lastUsedAt). */
  importedAt: string;
  /** First import. */
  createdAt: string;
  /** Last import, relocation or browse of its first page; the list is sorted by it. */
  lastUsedAt: string;
  /** The folder is gone (moved or unmounted): the UI offers datasets.relocate. Set by datasets.list. */
  missing?: boolean;
}

export interface DatasetImportResult {
  dataset: DatasetSummary;
  /** Files that were not imported, with the reason (first 200). */
  skipped: Array<{ file: string; reason: string }>;
}

export interface SampleSummary {
  id: string;
  split: SplitName;
  labeled: boolean;
  species?: Species;
  breed?: string;
  width: number;
  height: number;
  /** Dice of the run named in the query's `runId`, when that run predicted this sample. */
  predictedDice?: number;
}

export interface SamplePage {
  total: number;
  offset: number;
  items: SampleSummary[];
}

export interface SampleDetail extends SampleSummary {
  datasetId: number;
  imagePath: string;
  maskPath?: string;
  maskEncoding: 'trimap' | 'binary';
  classId?: number;
  /** Earlier versions of an edited mask, newest first (file names beside the mask). */
  maskVersions: string[];
}

export interface MaskImage {
  width: number;
  height: number;
  /** Grayscale PNG, 0 background / 255 pet. */
  png: Uint8Array;
}

export interface SaveMaskResult {
  maskPath: string;
  /** Where the replaced mask was kept, or null when there was none. */
  previousVersion: string | null;
}

export interface AugmentPreviewItem {
  /** RGB PNG of the augmented image. */
  image: Uint8Array;
  /** Grayscale PNG (0/255) of the augmented mask. */
  mask: Uint8Array;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface RunPreset {
  name: string;
  description: string;
  config: Partial<RunConfigInput>;
}

export interface ConfigValidation {
  valid: boolean;
  config?: RunConfig;
  issues: Array<{ path: string; message: string }>;
}

export interface RunSummary {
  id: number;
  name: string;
  status: RunStatus;
  model: string;
  datasetPath: string;
  epochs: number;
  epochsCompleted: number;
  bestValidDice: number | null;
  bestEpoch: number | null;
  testDice: number | null;
  backend: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  runDir: string;
  /** Seconds spent training: the finished epochs' own durations, so idle time between a stop and a resume does not count. */
  trainingSeconds: number;
  /** A queued run: the run it waits for and the device ('cpu' or 'gpu'); null when it is not waiting on one. */
  waitingFor: { runId: number; device: string } | null;
}

/** A plain-data type shared with the engine (no engine code reaches the renderer). */
export type EpochMetricsRow = EpochMetrics;

export interface RunDetail extends RunSummary {
  config: RunConfig;
  metrics: EpochMetricsRow[];
  /** The last validation predictions sent while it trained (kept in the run folder), if any. */
  preview: RunPreview | null;
}

/** A few validation predictions after an epoch: masks are size×size bytes, 0 or 1. */
export interface RunPreview {
  epoch: number;
  size: number;
  samples: Array<{ sampleId: string; dice: number; mask: Uint8Array }>;
}

export interface EpochEstimate {
  secondsPerEpoch: number;
  imagesPerSecond: number;
  trainImages: number;
  /** 'history': from finished epochs of runs with the same model, size, base and backend; 'measured': a short timed trial. */
  basis: 'history' | 'measured';
}

export interface PredictionResult {
  runId: number;
  datasetId: number;
  split: SplitName;
  meanDice: number;
  items: Array<{ sampleId: string; dice: number }>;
}

export interface ExportMasksResult {
  exportId: number;
  folder: string;
  files: number;
  /** Files that existed and were replaced (asked with overwrite); each old one is in .versions/. */
  replaced: number;
  format: MaskExportFormatName;
  seconds: number;
  /** Masks exported (for COCO all of them go into one annotations.json). */
  images?: number;
  /** COCO annotations or YOLO polygon lines written; null for PNG. */
  objects?: number | null;
}

/** '0-255'/'0-1' are the older names of 'png-0-255'/'png-0-1'. */
export type MaskExportFormatName = '0-255' | '0-1' | 'png-0-255' | 'png-0-1' | 'coco' | 'yolo';

/** A dataset's own labels exported (no run, so no row in the export log). */
export interface ExportLabelsResult {
  datasetId: number;
  split: SplitName | 'all';
  folder: string;
  files: number;
  replaced: number;
  format: MaskExportFormatName;
  images: number;
  objects: number | null;
  seconds: number;
}

export interface ExportModelResult {
  exportId: number;
  folder: string;
  files: string[];
  format: 'tfjs' | 'onnx' | 'pytorch';
  seconds: number;
}

export interface BackendInfo {
  name: string;
  available: boolean;
  detail: string;
}

export interface DeviceInfo {
  platform: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
}

export interface VersionInfo {
  app: string;
  node: string;
  electron: string | null;
  tfjs: string | null;
}

/** datasets.download's answer: the remembered dataset and what the download did. */
export interface DatasetDownloadResult {
  dataset: DatasetSummary;
  dest: string;
  images: number;
  skipped: number;
  replacedExisting: boolean;
  seconds: number;
  archives: Array<{ name: string; source: string; how: 'downloaded' | 'reused' | 'local'; bytes: number }>;
}

/** system.pickFolder's answer: null when the user cancelled the dialog. */
export interface PickFolderResult {
  path: string | null;
}

export interface DataFolderInfo {
  dataFolder: string;
  dbPath: string;
  runsFolder: string;
}

/** Where a saved label started: nothing, a run's prediction, or a click-to-segment run's answer. */
export type EffortSource = 'none' | 'prediction' | 'interactive';

/** The editor's record of the work behind one saved mask (datasets.saveMask's `effort`). */
export interface LabelEffort {
  /** Active seconds in the editor since the photo was opened or last saved (idle gaps over 60 s left out). */
  seconds: number;
  /** Clicks of the click tool. */
  clicks: number;
  /** Brush, eraser and fill strokes. */
  strokes: number;
  source: EffortSource;
  /** The run whose prediction or click model made the suggestion; null for 'none'. */
  sourceRunId: number | null;
  /** Pixels where the saved mask differs from the suggestion (0 = accepted unedited); null for 'none'. */
  changedPixels: number | null;
}

export interface EffortSourceSummary {
  masks: number;
  medianSeconds: number | null;
}

/** labeling.effort: the labeling effort on record for one dataset. */
export interface EffortSummary {
  /** Saved masks with an effort record. */
  masks: number;
  medianSeconds: number | null;
  totalSeconds: number;
  medianClicks: number | null;
  medianStrokes: number | null;
  /** Saves that started from a suggestion (a prediction or the click model). */
  suggestions: number;
  /** Of those, saved exactly as suggested (no pixel changed). */
  acceptedUnedited: number;
  /** acceptedUnedited / suggestions; null without suggestions. */
  acceptedShare: number | null;
  bySource: Record<EffortSource, EffortSourceSummary>;
}

/** A click-to-segment run the label editor can use (labeling.interactiveRuns). */
export interface InteractiveRunInfo {
  runId: number;
  name: string;
  status: RunStatus;
  model: string;
  base: number;
  size: number;
  epochsCompleted: number;
  bestValidDice: number | null;
  /** Trained on this dataset's folder (runs of other folders can still be used). */
  sameDataset: boolean;
}

/** labeling.click: the click model's mask for the clicks so far. */
export interface ClickMaskResult {
  /** The photo's size; `runs` covers width·height pixels row-major. */
  width: number;
  height: number;
  /** Alternating run lengths of the mask at the photo's size, starting with background (0). */
  runs: number[];
  /** The model's own mask (model input size), to send back as `prevMask` with the next click. */
  modelMask: { size: number; runs: number[] };
  /** Server time for this click: encoding + forward pass + resize to the photo (ms). */
  ms: number;
  /** Of which the forward pass on the model (ms). */
  modelMs: number;
  /** True when this click had to load the checkpoint or prepare the photo first (not a steady-state click). */
  cold: boolean;
  /** The checkpoint answered with (its epoch), so a suggestion says which model version made it. */
  checkpointEpoch: number | null;
}
