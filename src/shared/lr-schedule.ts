// Cosine schedule arithmetic shared by the training loop (engine/train) and the run page (the
// planned learning-rate curve and the resume choice), so both show the same numbers.
//
// Cosine annealing stepped once per epoch, as PyTorch's CosineAnnealingLR(T_max = totalEpochs,
// eta_min = lrMin) with scheduler.step() after each epoch: epoch e (0-based) trains at
//   lrMin + (lr0 − lrMin) · (1 + cos(π·e / totalEpochs)) / 2,
// so epoch 0 uses lr0 and the rate reaches lrMin at e = totalEpochs (one past the last epoch).
// PyTorch's recursive form equals this closed form while e ≤ T_max. Past T_max PyTorch would
// climb back up the cosine; here e is clamped so an over-long run stays at lrMin.
export function cosineLr(epoch: number, totalEpochs: number, lr0: number, lrMin = 0): number {
  if (totalEpochs <= 0) return lr0;
  const t = Math.min(Math.max(epoch, 0), totalEpochs);
  return lrMin + ((lr0 - lrMin) * (1 + Math.cos((Math.PI * t) / totalEpochs))) / 2;
}

/** The parts of a run's config that decide its learning rate. */
export interface ScheduleConfig {
  schedule: 'cosine' | 'constant';
  learningRate: number;
  minLearningRate: number;
  epochs: number;
  /** Where the current cosine began (0, or the epoch a resume restarted it at). */
  scheduleStartEpoch?: number;
  /** Epochs of linear warm-up at the start of the run (0 or absent: none). */
  warmupEpochs?: number;
}

/** A warm-up starts at this fraction of the peak rate. */
export const WARMUP_START_FRACTION = 0.1;

/**
 * The rate epoch `epoch` (0-based) trains at. The cosine runs from `scheduleStartEpoch` to
 * `epochs`, so a resume has two choices (runs-service `resume`, the run page's form):
 * - stretch (keep the start): the one schedule is recomputed over the new length; a finished
 *   20-epoch run resumed to 30 goes on at the rate the 30-epoch cosine has at epoch 20, well
 *   below the peak, and anneals to the minimum at 30;
 * - restart (start = epochs already trained): the extra epochs get a cosine of their own,
 *   from the peak rate down to the minimum.
 */
/**
 * A warm-up of W epochs trains epoch e < W at learningRate·(0.1 + 0.9·e/W), a straight line
 * from a tenth of the peak towards it (per epoch, like the cosine); the cosine (or the constant
 * rate) then starts at epoch W, so the warm-up's rates never depend on the run's length. Why: Adam's
 * first steps on freshly initialised batch-norm nets at a high rate overshoot; a short ramp lets the
 * short, high-rate runs a time budget calls for start stably.
 */
export function scheduledLr(epoch: number, c: ScheduleConfig): number {
  const warmup = Math.max(0, c.warmupEpochs ?? 0);
  if (epoch < warmup) return c.learningRate * (WARMUP_START_FRACTION + ((1 - WARMUP_START_FRACTION) * epoch) / warmup);
  if (c.schedule !== 'cosine') return c.learningRate;
  const start = Math.min(Math.max(c.scheduleStartEpoch ?? 0, warmup), Math.max(c.epochs - 1, 0));
  return cosineLr(epoch - start, c.epochs - start, c.learningRate, c.minLearningRate);
}

/** How a resume continues a cosine schedule (see scheduledLr). */
export type ResumeSchedule = 'stretch' | 'restart';

/** `scheduleStartEpoch` for a run resumed after `epochsDone` epochs. */
export function resumedScheduleStart(c: Pick<ScheduleConfig, 'scheduleStartEpoch'>, epochsDone: number, mode: ResumeSchedule): number {
  return mode === 'restart' ? epochsDone : (c.scheduleStartEpoch ?? 0);
}
