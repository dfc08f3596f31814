// Progress reporting for long work: a rate/ETA estimator shared by the CLI bar and the UI events,
// and a terminal bar that redraws in place on a TTY and prints sparse lines otherwise (CI logs).

export interface ProgressSnapshot {
  done: number;
  total: number;
  /** Items per second over the recent window. */
  rate: number;
  /** Seconds left at the current rate; NaN until a rate is known. */
  etaSeconds: number;
  elapsedSeconds: number;
}

/** Rate over a sliding window so a slow first step (warm-up, compilation) does not skew the ETA for long. */
export class RateMeter {
  private readonly start = performance.now();
  private readonly marks: Array<{ t: number; done: number }> = [];
  constructor(private readonly windowSeconds = 20) {}

  snapshot(done: number, total: number): ProgressSnapshot {
    const now = performance.now();
    this.marks.push({ t: now, done });
    while (this.marks.length > 2 && (now - this.marks[0]!.t) / 1000 > this.windowSeconds) this.marks.shift();
    const first = this.marks[0]!;
    const dt = (now - first.t) / 1000;
    const rate = dt > 0 ? (done - first.done) / dt : 0;
    return {
      done,
      total,
      rate,
      etaSeconds: rate > 0 ? (total - done) / rate : Number.NaN,
      elapsedSeconds: (now - this.start) / 1000,
    };
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export interface BarOptions {
  label: string;
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Non-TTY streams get a line at most this often (seconds). */
  plainInterval?: number;
}

/** A terminal progress bar with rate and ETA. Writes to stderr so `--json` stdout stays clean. */
export class ProgressBar {
  private readonly meter = new RateMeter();
  private readonly stream: NodeJS.WriteStream;
  private lastPlain = 0;
  private lastLen = 0;
  constructor(private readonly opts: BarOptions) {
    this.stream = opts.stream ?? process.stderr;
  }

  update(done: number, total: number, suffix = ''): ProgressSnapshot {
    const snap = this.meter.snapshot(done, total);
    const unit = this.opts.unit ?? 'it';
    const pct = total > 0 ? Math.min(1, done / total) : 0;
    const text = `${this.opts.label} ${done}/${total} ${snap.rate.toFixed(2)} ${unit}/s ETA ${formatDuration(snap.etaSeconds)}${suffix ? ' ' + suffix : ''}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round(pct * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(pct * 100).toFixed(0).padStart(3)}% ${text}`;
      this.stream.write('\r' + line + ' '.repeat(Math.max(0, this.lastLen - line.length)));
      this.lastLen = line.length;
    } else {
      const now = snap.elapsedSeconds;
      if (done >= total || now - this.lastPlain >= (this.opts.plainInterval ?? 5)) {
        this.lastPlain = now;
        this.stream.write(`${(pct * 100).toFixed(0).padStart(3)}% ${text}\n`);
      }
    }
    return snap;
  }

  finish(message?: string): void {
    if (this.stream.isTTY && this.lastLen > 0) this.stream.write('\n');
    if (message) this.stream.write(message + '\n');
    this.lastLen = 0;
  }
}
