// The Electron app's lifecycle: one instance, a locked-down session, the services (store, run
// queue with utility-process workers), IPC handlers, one window.
import { app, BrowserWindow, dialog, type OpenDialogOptions } from 'electron';
import { join } from 'node:path';
import { createStudioServices, type StudioServices } from '../services/studio-services';
import { resolveDbPath, userDataFolder } from '../services/studio-db-path';
import { registerAppScheme, serveAppProtocol } from './app-protocol';
import { registerIpc } from './ipc/index';
import { electronSqliteBinding } from './native-sqlite';
import { installSessionSecurity, PROD_CSP } from './security';
import { claimSingleInstance } from './single-instance';
import { utilityWorkerLauncher } from './utility-worker';
import { createMainWindow } from './window';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
let mainWindow: BrowserWindow | undefined;
let services: StudioServices | undefined;
let unregister: (() => void) | undefined;

// The app keeps its data where the CLI and the HTTP host look by default (the per-user data
// folder), so all three share one database and one set of runs.
app.setPath('userData', userDataFolder());
// The renderer's own scheme must be known before the app is ready.
registerAppScheme();

function dbPath(): string {
  return resolveDbPath();
}

async function start(): Promise<void> {
  installSessionSecurity(devServerUrl);
  if (!devServerUrl) serveAppProtocol(join(import.meta.dirname, '../renderer'), PROD_CSP);
  // The engine finds the bundled sample dataset here in a packaged app.
  process.env.SEG_STUDIO_RESOURCES ??= app.isPackaged ? join(process.resourcesPath, 'resources') : join(app.getAppPath(), 'resources');
  let binding: string;
  try {
    binding = electronSqliteBinding();
  } catch (err) {
    dialog.showErrorBox('Pet Segmentation Studio cannot open its database', (err as Error).message);
    app.exit(1);
    return;
  }
  services = createStudioServices({
    dbPath: dbPath(),
    nativeBinding: binding,
    workerNativeBinding: binding,
    launcher: utilityWorkerLauncher({ SEG_STUDIO_RESOURCES: process.env.SEG_STUDIO_RESOURCES! }),
    // A new user sees pet photos at once; never again after they remove the sample.
    openSampleOnFirstStart: process.env.SEG_STUDIO_NO_SAMPLE !== '1',
    pickFolder: async ({ title, defaultPath }) => {
      const options: OpenDialogOptions = { title: title ?? 'Choose a dataset folder', defaultPath, properties: ['openDirectory'] };
      // Modal to the window the user works in, so the dialog cannot hide behind it.
      const parent = BrowserWindow.getFocusedWindow() ?? mainWindow;
      const r = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]!;
    },
  });
  unregister = registerIpc(services, devServerUrl);
  mainWindow = createMainWindow(devServerUrl);
  mainWindow.on('closed', () => (mainWindow = undefined));
}

if (!claimSingleInstance(() => mainWindow)) {
  app.quit();
} else {
  app.whenReady().then(start, (err: Error) => {
    dialog.showErrorBox('Pet Segmentation Studio failed to start', err.message);
    app.exit(1);
  });
  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open makes a new one.
    if (services && BrowserWindow.getAllWindows().length === 0) {
      mainWindow = createMainWindow(devServerUrl);
      mainWindow.on('closed', () => (mainWindow = undefined));
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    unregister?.();
    // Running workers die with the app; the next start marks their runs interrupted (resumable).
    services?.close();
  });
}
