// How the parent starts a training worker. Services stay free of Electron: the Node launcher
// lives here (child_process.fork with tsx), Electron main passes its utilityProcess launcher.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from '../worker/messages';
import { freshCliBuild } from '../../scripts/cli-bundle.mjs';

export interface WorkerHandle {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Called once when the process is gone, for whatever reason. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type WorkerLauncher = () => WorkerHandle;

/**
 * The worker entry: the CLI build's train-worker.js when that build is fresh (plain Node, no
 * TypeScript compile at each start; see scripts/build-cli.mjs), else the TypeScript source.
 */
export function defaultWorkerEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = freshCliBuild(join(here, '..', '..'));
  if (built) return join(built, 'train-worker.js');
  const candidates = [join(here, '../worker/train-worker.ts'), resolve('src/worker/train-worker.ts')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`training worker entry not found (looked at ${candidates.join(', ')})`);
  return found;
}

/** Forks a plain Node child running the worker through tsx. */
export function nodeWorkerLauncher(entry: string = defaultWorkerEntry()): WorkerLauncher {
  return () => {
    const child = fork(entry, [], {
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      // Structured clone keeps Uint8Array preview masks intact (JSON would turn them into objects).
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let exited = false;
    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    child.on('exit', (code, signal) => {
      exited = true;
      for (const l of exitListeners) l(code, signal);
    });
    child.on('error', (err) => {
      // A failed spawn emits 'error' and may never emit 'exit'.
      if (!exited && child.pid === undefined) {
        exited = true;
        process.emitWarning(`training worker failed to start: ${err.message}`);
        for (const l of exitListeners) l(null, null);
      }
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (m) => {
        if (child.connected) child.send(m);
      },
      onMessage: (l) => child.on('message', (m) => l(m as FromWorker)),
      onExit: (l) => exitListeners.push(l),
      kill: () => {
        if (!exited) child.kill('SIGKILL');
      },
    };
  };
}
