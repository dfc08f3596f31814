// The preload bridge: `window.studio`, typed from the contract, split by domain. Each call is an
// IPC invoke on `studio:<domain>:<op>` answering an envelope; `on` subscribes to events. Nothing
// else of Electron or Node reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { DOMAINS, EVENT_CHANNEL, EVENT_NAMES, contract, ipcChannel, type StudioBridge, type StudioEvent } from '../shared/contract';

function buildBridge(): StudioBridge {
  const bridge: Record<string, unknown> = {};
  for (const domain of DOMAINS) {
    const ops: Record<string, (args?: unknown) => Promise<unknown>> = {};
    for (const op of Object.keys(contract[domain])) {
      ops[op] = (args?: unknown) => ipcRenderer.invoke(ipcChannel(domain, op), args ?? {});
    }
    bridge[domain] = Object.freeze(ops);
  }
  bridge.on = (event: string, listener: (payload: unknown) => void) => {
    if (!(EVENT_NAMES as string[]).includes(event)) throw new Error(`unknown event ${event}`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    const wrapped = (_e: IpcRendererEvent, message: StudioEvent) => {
      if (message.event === event) listener(message.payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  };
  return Object.freeze(bridge) as unknown as StudioBridge;
}

contextBridge.exposeInMainWorld('studio', buildBridge());
