// Every training run's live state in one place, fed by run:progress, run:epoch and run:status
// from the moment the app starts, so the run page, the runs table and the window title show the
// same speed and time left (a page opened mid-run still has the window of batches before it).
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { EpochMetricsRow, StudioApi, StudioEvents } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { RunEta, trainingSeconds, type TimeLeft } from './run-eta';

export interface LiveRunView extends TimeLeft {
  runId: number;
  name: string;
  progress: StudioEvents['run:progress'];
  /** Finished epochs' durations plus the epoch in progress. */
  trainingSeconds: number;
}

interface Entry {
  eta: RunEta;
  name: string;
  batchSize: number | null;
  metrics: EpochMetricsRow[];
}

/** Renders at most this often for progress events (a fast run sends dozens a second). */
const NOTIFY_MS = 250;

export class LiveRuns {
  private readonly runs = new Map<number, Entry>();
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly api: StudioApi) {
    api.on('run:progress', (p) => this.onProgress(p));
    api.on('run:epoch', (e) => {
      const entry = this.runs.get(e.runId);
      if (entry) entry.metrics = [...entry.metrics.filter((m) => m.epoch !== e.metrics.epoch), e.metrics].sort((a, b) => a.epoch - b.epoch);
      this.notify(true);
    });
    api.on('run:status', (e) => {
      if (e.status !== 'running' && this.runs.delete(e.runId)) this.notify(true);
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Runs with progress, newest first. */
  activeIds(): number[] {
    return [...this.runs.keys()].sort((a, b) => b - a);
  }

  view(runId: number, now = Date.now()): LiveRunView | null {
    const entry = this.runs.get(runId);
    const progress = entry?.eta.progress;
    if (!entry || !progress || entry.batchSize === null) return null;
    return {
      runId,
      name: entry.name,
      progress,
      ...entry.eta.timeLeft(now, entry.batchSize, entry.metrics),
      trainingSeconds: trainingSeconds(entry.metrics) + entry.eta.epochElapsed(now, entry.metrics.at(-1)?.epoch ?? 0),
    };
  }

  private onProgress(p: StudioEvents['run:progress']): void {
    let entry = this.runs.get(p.runId);
    if (!entry) {
      entry = { eta: new RunEta(), name: `run ${p.runId}`, batchSize: null, metrics: [] };
      this.runs.set(p.runId, entry);
      const e = entry;
      // The batch size and the finished epochs come with the run's record, once.
      this.api.runs.get({ runId: p.runId }).then(
        (r) => {
          e.batchSize = r.config.batchSize;
          e.name = r.name;
          e.metrics = [...r.metrics, ...e.metrics.filter((m) => !r.metrics.some((x) => x.epoch === m.epoch))];
          this.notify(true);
        },
        () => undefined,
      );
    }
    entry.eta.add(p, Date.now());
    this.notify(false);
  }

  private notify(now: boolean): void {
    if (this.timer && !now) return;
    if (this.timer) clearTimeout(this.timer);
    const fire = () => {
      this.timer = null;
      this.version++;
      for (const l of this.listeners) l();
    };
    if (now) fire();
    else this.timer = setTimeout(fire, NOTIFY_MS);
  }
}

const stores = new WeakMap<StudioApi, LiveRuns>();

export function liveRunsFor(api: StudioApi): LiveRuns {
  let s = stores.get(api);
  if (!s) {
    s = new LiveRuns(api);
    stores.set(api, s);
  }
  return s;
}

/**
 * The live runs, re-rendering on their events and once a second while any trains (time left and
 * training time move between events too).
 */
export function useLiveRuns(): LiveRuns {
  const api = useApi();
  const store = liveRunsFor(api);
  useSyncExternalStore(store.subscribe, store.getVersion);
  const [, setTick] = useState(0);
  const busy = store.activeIds().length > 0;
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => setTick((x) => x + 1), 1000);
    return () => clearInterval(t);
  }, [busy]);
  return store;
}
