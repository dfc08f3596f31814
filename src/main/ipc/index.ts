// All IPC handlers, per domain, plus event forwarding from the services' bus to every window.
import { BrowserWindow } from 'electron';
import { EVENT_CHANNEL } from '../../shared/contract';
import type { StudioServices } from '../../services/studio-services';
import { registerDatasetsIpc } from './datasets-ipc';
import { registerExportsIpc } from './exports-ipc';
import { registerLabelingIpc } from './labeling-ipc';
import { registerPredictionsIpc } from './predictions-ipc';
import { registerQueueIpc } from './queue-ipc';
import { registerRunsIpc } from './runs-ipc';
import { registerSweepsIpc } from './sweeps-ipc';
import { registerSystemIpc } from './system-ipc';

export function registerIpc(services: StudioServices, devServerUrl: string | undefined): () => void {
  const undo = [
    registerDatasetsIpc(services.dispatch, devServerUrl),
    registerRunsIpc(services.dispatch, devServerUrl),
    registerSweepsIpc(services.dispatch, devServerUrl),
    registerPredictionsIpc(services.dispatch, devServerUrl),
    registerExportsIpc(services.dispatch, devServerUrl),
    registerLabelingIpc(services.dispatch, devServerUrl),
    registerQueueIpc(services.dispatch, devServerUrl),
    registerSystemIpc(services.dispatch, devServerUrl),
    services.bus.subscribe((message) => {
      for (const win of BrowserWindow.getAllWindows()) {
        if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, message);
      }
    }),
  ];
  return () => undo.forEach((u) => u());
}
