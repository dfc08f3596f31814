// The main window: the built renderer at app://studio/ (served from out/renderer by
// app-protocol.ts), or the dev server under electron-vite dev.
import { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { APP_ENTRY_URL } from './app-origin';
import { secureWebPreferences } from './security';
import { askBeforeLeavingUnsavedEdits } from './unsaved-close';

export function createMainWindow(devServerUrl: string | undefined): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Pet Segmentation Studio',
    webPreferences: secureWebPreferences(join(import.meta.dirname, '../preload/index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  askBeforeLeavingUnsavedEdits(win);
  void win.loadURL(devServerUrl ?? APP_ENTRY_URL);
  return win;
}
