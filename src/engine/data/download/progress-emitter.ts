// Turns raw byte counts into the public progress events: adds rate and ETA (from the shared
// RateMeter, restarted per phase and file) and throttles, since a download calls per chunk.
import { RateMeter } from '../../util/progress';

export type DownloadPhase = 'download' | 'verify' | 'extract' | 'import';

export interface DownloadProgress {
  phase: DownloadPhase;
  file: string;
  /** Bytes so far (download/verify/extract: compressed archive bytes; import: samples checked). */
  bytes: number;
  total: number | null;
  /** Units per second over the recent window. */
  rate: number;
  /** Seconds left; NaN while unknown (no total or no rate yet). */
  etaSeconds: number;
}

export function progressEmitter(onProgress: ((p: DownloadProgress) => void) | undefined, minIntervalMs = 100) {
  let key = '';
  let meter = new RateMeter(10);
  let last = 0;
  return (phase: DownloadPhase, file: string, bytes: number, total: number | null): void => {
    if (!onProgress) return;
    const k = `${phase}\0${file}`;
    const fresh = k !== key;
    if (fresh) {
      key = k;
      meter = new RateMeter(10);
    }
    const now = performance.now();
    const final = total !== null && bytes >= total;
    if (!fresh && !final && now - last < minIntervalMs) return;
    last = now;
    const snap = meter.snapshot(bytes, total ?? 0);
    onProgress({ phase, file, bytes, total, rate: snap.rate, etaSeconds: total === null ? Number.NaN : snap.etaSeconds });
  };
}
