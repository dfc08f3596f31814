// One training at a time per device: a second run on the same device waits `queued` until the
// first ends. Two trainings sharing a CPU (or one GPU) are each slower than one after the other.
import type { RunConfig } from '../shared/run-config';

export function deviceKeyFor(config: RunConfig): string {
  // WebGPU is the only backend that computes off the CPU; every other backend (auto included,
  // which picks a CPU path unless a GPU is found) competes for the same cores.
  return config.backend === 'webgpu' ? 'gpu' : 'cpu';
}

/** 'low': background work (keep-fresh fine-tunes) that starts only when no normal run waits for the device. */
export type RunPriority = 'normal' | 'low';

interface Job {
  runId: number;
  device: string;
  run: () => Promise<void>;
  priority: RunPriority;
}

export class RunQueue {
  private readonly pending: Job[] = [];
  private readonly active = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];

  enqueue(runId: number, device: string, run: () => Promise<void>, priority: RunPriority = 'normal'): void {
    this.pending.push({ runId, device, run, priority });
    this.pump();
  }

  /** Removes a run that has not started; false when it is running or unknown. */
  dequeue(runId: number): boolean {
    const i = this.pending.findIndex((j) => j.runId === runId);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    this.notifyIdle();
    return true;
  }

  isQueued(runId: number): boolean {
    return this.pending.some((j) => j.runId === runId);
  }

  /** The run this process trains on `device` now, if any. */
  activeOn(device: string): number | undefined {
    return this.active.get(device);
  }

  isActive(runId: number): boolean {
    return [...this.active.values()].includes(runId);
  }

  /** Resolves when nothing is running or waiting (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.pending.length === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    // Normal runs first, each kind in arrival order: a user's run queued after a fine-tune still goes before it.
    const order = [...this.pending].sort((a, b) => Number(a.priority === 'low') - Number(b.priority === 'low'));
    for (const job of order) {
      if (this.active.has(job.device)) continue;
      this.pending.splice(this.pending.indexOf(job), 1);
      this.active.set(job.device, job.runId);
      void job
        .run()
        .catch((err) => process.emitWarning(`run ${job.runId} supervisor failed: ${(err as Error).message}`))
        .finally(() => {
          this.active.delete(job.device);
          this.pump();
          this.notifyIdle();
        });
    }
  }

  private notifyIdle(): void {
    if (this.pending.length === 0 && this.active.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }
}
