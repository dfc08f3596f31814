// Electron's way to start the training worker: a utilityProcess running the bundled worker
// entry (out/main/train-worker.js). Same messages as the Node fork, through parentPort.
import { utilityProcess } from 'electron';
import { join } from 'node:path';
import type { WorkerLauncher } from '../services/worker-launcher';
import type { FromWorker } from '../worker/messages';

export function utilityWorkerLauncher(env: Record<string, string>): WorkerLauncher {
  return () => {
    const child = utilityProcess.fork(join(import.meta.dirname, 'train-worker.js'), [], {
      serviceName: 'seg-studio-train-worker',
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    let exited = false;
    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    child.on('exit', (code) => {
      exited = true;
      for (const l of exitListeners) l(code, null);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (m) => {
        if (!exited) child.postMessage(m);
      },
      onMessage: (l) => child.on('message', (m: unknown) => l(m as FromWorker)),
      onExit: (l) => exitListeners.push(l),
      kill: () => {
        if (!exited) child.kill();
      },
    };
  };
}
