// Waiting for a device another process trains on. A process (the app, `serve`, CLI `train` or
// `resume`) claims the device in SQLite before a run computes and gives it back when the run
// ends; while another live process's run holds it, the claimant polls, saying once per holder
// who it waits for. The claim key names the host: two machines sharing a database have two CPUs.
import { hostname } from 'node:os';
import type { RunConfig } from '../shared/run-config';
import { deviceKeyFor } from './run-queue';
import type { DeviceHolder, StudioStore } from './store-types';

export function deviceClaimKey(config: RunConfig): string {
  return `${deviceKeyFor(config)}@${hostname()}`;
}

export function describeHolder(h: DeviceHolder): string {
  return `device ${h.device} is in use by run ${h.runId}${h.runName ? ` "${h.runName}"` : ''} (pid ${h.ownerPid} on ${h.ownerHost}, since ${h.claimedAt})`;
}

export interface WaitForDeviceOptions {
  signal?: AbortSignal;
  /** Called when the run has to wait, and again whenever the holder changes. */
  onWait?: (holder: DeviceHolder) => void;
  /** Called when a vanished holder's claim was taken over. */
  onTakeOver?: (holder: DeviceHolder, reason: string) => void;
  pollMs?: number;
}

/** Resolves once `runId` holds `device`; rejects with the signal's reason when aborted. */
export async function waitForDevice(store: StudioStore, device: string, runId: number, opts: WaitForDeviceOptions = {}): Promise<void> {
  let lastHolder: number | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    const r = store.devices.claim(device, runId);
    if (r.acquired) {
      if (r.tookOver) opts.onTakeOver?.(r.tookOver.holder, r.tookOver.reason);
      return;
    }
    if (r.holder.runId !== lastHolder) {
      lastHolder = r.holder.runId;
      opts.onWait?.(r.holder);
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(t);
        reject(opts.signal!.reason);
      };
      const t = setTimeout(() => {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, opts.pollMs ?? 1000);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
