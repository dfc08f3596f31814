// Keeps this process's leases alive: every LEASE_RENEW_MS it renews the lease of each unfinished
// run and device claim it owns, so other processes (and other hosts) can tell it is still there.
// Started by createStudioServices (app, serve, CLI resume) and by the CLI train recorder.
import { LEASE_RENEW_MS } from '../store';
import type { StudioStore } from './store-types';

export function startOwnerHeartbeat(store: StudioStore, everyMs: number = LEASE_RENEW_MS): () => void {
  const beat = () => {
    try {
      store.renewLeases();
    } catch (err) {
      // A busy database (another writer past busy_timeout) costs one beat, not the process:
      // the lease lasts many beats.
      process.emitWarning(`could not renew the run leases: ${(err as Error).message}`);
    }
  };
  beat();
  const timer = setInterval(beat, everyMs);
  // Never the reason a process stays alive.
  timer.unref();
  return () => clearInterval(timer);
}
