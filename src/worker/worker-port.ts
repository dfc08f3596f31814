// The worker's side of the channel: Electron's utilityProcess gives `process.parentPort`,
// a Node forked child gives `process.send`. One entry file serves both.
import type { FromWorker, ToWorker } from './messages';

export interface WorkerPort {
  post(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
  kind: 'electron-utility' | 'node-fork';
}

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export function connectToParent(): WorkerPort {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      kind: 'electron-utility',
      post: (m) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (e) => l(e.data as ToWorker)),
    };
  }
  if (typeof process.send === 'function') {
    return {
      kind: 'node-fork',
      post: (m) => {
        // A vanished parent makes send throw; the worker then has nobody to report to.
        if (process.connected) process.send!(m);
      },
      onMessage: (l) => process.on('message', (m) => l(m as ToWorker)),
    };
  }
  throw new Error('train-worker must be started as a utilityProcess or with child_process.fork');
}
