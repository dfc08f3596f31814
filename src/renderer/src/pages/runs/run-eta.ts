// Speed and time left of a training run, from its run:progress events as this page receives
// them. The engine's own rate covers only the epoch in progress, so on a small dataset (a few
// batches an epoch) it is nearly always warming up and reads 0 img/s. Here the rate is the
// training batches of the last 30 seconds, across epoch boundaries (the gap that holds a
// validation pass is left out of the training rate and counted separately), and the time left
// covers the whole run: the rest of this epoch, then every epoch still to come.
import type { EpochMetricsRow, StudioEvents } from '../../../../shared/contract';

type Progress = StudioEvents['run:progress'];

/** Seconds of recent training the rate averages over; fewer steps than MIN_STEPS widen it. */
export const RATE_WINDOW_MS = 30_000;
const MIN_STEPS = 8;

interface Step {
  /** When the later of the two batches arrived (ms). */
  t: number;
  seconds: number;
  batches: number;
}

export interface TimeLeft {
  /** Training images per second over the window (null until two batches of one epoch were seen). */
  imagesPerSecond: number | null;
  /** Seconds left in the epoch in progress (training, then its validation pass). */
  epochSeconds: number | null;
  /** Seconds left in the whole run. */
  runSeconds: number | null;
  /** Share of the run's training batches done, 0..1. */
  fraction: number;
}

export class RunEta {
  private steps: Step[] = [];
  private last: { t: number; phase: Progress['phase']; epoch: number; batch: number } | null = null;
  private validSince: number | null = null;
  private epochSeen: { epoch: number; t: number; batch: number } | null = null;
  /** Training batches per epoch (a validation event counts its own batches). */
  private trainBatches: number | null = null;
  progress: Progress | null = null;

  add(p: Progress, t: number): void {
    const last = this.last;
    if (p.phase === 'train' && last?.phase === 'train' && last.epoch === p.epoch && p.batch > last.batch && t >= last.t) {
      this.steps.push({ t, seconds: (t - last.t) / 1000, batches: p.batch - last.batch });
      const cutoff = t - RATE_WINDOW_MS;
      while (this.steps.length > MIN_STEPS && this.steps[0]!.t < cutoff) this.steps.shift();
    }
    if (p.phase === 'valid' && (last?.phase !== 'valid' || last.epoch !== p.epoch)) this.validSince = t;
    if (p.phase === 'train' && this.epochSeen?.epoch !== p.epoch) this.epochSeen = { epoch: p.epoch, t, batch: p.batch };
    if (p.phase === 'train') this.trainBatches = p.batches;
    this.last = { t, phase: p.phase, epoch: p.epoch, batch: p.batch };
    this.progress = p;
  }

  /** Seconds per training batch over the window; null before two batches of one epoch. */
  secondsPerBatch(now: number): number | null {
    const recent = this.steps.filter((s) => s.t >= now - RATE_WINDOW_MS);
    const use = recent.length >= 2 ? recent : this.steps.slice(-MIN_STEPS);
    const batches = use.reduce((a, s) => a + s.batches, 0);
    const seconds = use.reduce((a, s) => a + s.seconds, 0);
    return batches > 0 && seconds > 0 ? seconds / batches : null;
  }

  /**
   * Time left, given the run's batch size and its finished epochs (their durations tell how long
   * a validation pass takes, and their speed stands in before this page has seen two batches).
   */
  timeLeft(now: number, batchSize: number, metrics: EpochMetricsRow[]): TimeLeft {
    const p = this.progress;
    if (!p) return { imagesPerSecond: null, epochSeconds: null, runSeconds: null, fraction: 0 };
    const spbLive = this.secondsPerBatch(now);
    const lastEpoch = metrics.at(-1);
    const spb = spbLive ?? (lastEpoch && lastEpoch.imagesPerSecond > 0 ? batchSize / lastEpoch.imagesPerSecond : null);
    const trainBatches = this.trainBatches;
    const validSeconds = trainBatches !== null ? validationSeconds(metrics, trainBatches * batchSize) : null;
    const done = p.phase === 'train' ? p.epoch - 1 + p.batch / p.batches : p.epoch;
    const fraction = Math.min(1, Math.max(0, done / p.epochs));
    const imagesPerSecond = spbLive ? batchSize / spbLive : null;
    if (p.phase === 'test') {
      const eta = finite(p.etaSeconds);
      return { imagesPerSecond, epochSeconds: eta, runSeconds: eta, fraction: 1 };
    }
    const perEpoch = spb !== null && trainBatches !== null ? trainBatches * spb + (validSeconds ?? 0) : meanEpochSeconds(metrics);
    let epochSeconds: number | null;
    if (p.phase === 'train') {
      epochSeconds = spb !== null ? (p.batches - p.batch) * spb + (validSeconds ?? 0) : null;
    } else {
      const elapsed = this.validSince !== null ? (now - this.validSince) / 1000 : 0;
      epochSeconds = validSeconds !== null ? Math.max(0, validSeconds - elapsed) : finite(p.etaSeconds);
    }
    const runSeconds = epochSeconds !== null && perEpoch !== null ? epochSeconds + (p.epochs - p.epoch) * perEpoch : null;
    return { imagesPerSecond, epochSeconds, runSeconds, fraction };
  }

  /**
   * Seconds spent in the epoch in progress (what the page saw, plus the batches before it at the
   * current rate); 0 once that epoch is among the finished ones (its own duration counts then).
   */
  epochElapsed(now: number, finishedEpochs = 0): number {
    if (!this.epochSeen || this.progress?.epoch !== this.epochSeen.epoch || finishedEpochs >= this.epochSeen.epoch) return 0;
    const spb = this.secondsPerBatch(now) ?? 0;
    return (now - this.epochSeen.t) / 1000 + this.epochSeen.batch * spb;
  }
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A finished epoch's duration less its training part: the validation pass (and checkpoint writes). */
export function validationSeconds(metrics: EpochMetricsRow[], trainImages: number): number | null {
  const m = metrics.at(-1);
  if (!m || !(m.imagesPerSecond > 0) || !(m.seconds > 0)) return null;
  return Math.max(0, m.seconds - trainImages / m.imagesPerSecond);
}

function meanEpochSeconds(metrics: EpochMetricsRow[]): number | null {
  // The first epoch carries warm-up; use the later ones when there are.
  const use = metrics.length > 1 ? metrics.slice(1) : metrics;
  return use.length ? use.reduce((a, m) => a + m.seconds, 0) / use.length : null;
}

/** Seconds of training in finished epochs (their own durations: time stopped between a stop and a resume is not in them). */
export function trainingSeconds(metrics: EpochMetricsRow[]): number {
  return metrics.reduce((a, m) => a + (m.seconds > 0 ? m.seconds : 0), 0);
}
