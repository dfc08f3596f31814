// Results of the `queue` domain (issue 13): which image to label or review next, and the
// "keep the model fresh" setting. Every ranking names the model version that made it.

/** The checkpoint a ranking or a suggestion came from. */
export interface ModelVersion {
  runId: number;
  runName: string;
  /** The epoch of the best checkpoint used. */
  epoch: number;
  /** When that checkpoint was written (ISO time). */
  checkpointAt: string;
}

export type QueueKind = 'unlabeled' | 'review';

export interface QueueItem {
  sampleId: string;
  split: 'train' | 'valid' | 'test';
  /** What the list is ranked by: mean p(1−p) (unlabeled) or 1 − Dice(label, prediction) (review). */
  score: number;
  meanPq: number;
  /** Share of pixels with |p − 0.5| < 0.2. */
  nearHalfShare: number;
  /** Review only: Dice between the saved label and the prediction at the model's input size. */
  dice?: number;
}

export interface QueueResult {
  datasetId: number;
  kind: QueueKind;
  /** 'meanPq' for unlabeled photos, 'disagreement' for labeled ones. */
  rankedBy: 'meanPq' | 'disagreement';
  model: ModelVersion;
  /** Images in the queue (items may be cut to `limit`). */
  total: number;
  items: QueueItem[];
  /** Images scored by this call (0: everything came from the cache). */
  scoredNow: number;
  seconds: number;
}

export interface QueueNext {
  /** The top of the queue (the current sample skipped); null when the queue is empty. */
  sampleId: string | null;
  kind: QueueKind;
  score: number | null;
  model: ModelVersion;
  remaining: number;
}

export interface KeepFreshSettings {
  datasetId: number;
  enabled: boolean;
  /** Fine-tune after every N saved masks. */
  everyMasks: number;
  /** Training budget of one fine-tune. */
  minutes: number;
  /** The run fine-tuned next (each fine-tune becomes a new run, which then takes its place). */
  runId: number | null;
  /** Masks saved since the last fine-tune was queued. */
  savedSince: number;
  /** The fine-tune run queued or running now, if any. */
  pendingRunId: number | null;
  /** Fine-tune runs made so far, oldest first. */
  history: number[];
  /** Why the last fine-tune due could not be queued (tried again at the next save); null when none failed. */
  lastError?: string | null;
}
