// One studio per user: a second launch focuses the first window instead of opening another
// process on the same database.
import { app, type BrowserWindow } from 'electron';

/** Returns false when another instance holds the lock (this one should quit). */
export function claimSingleInstance(getWindow: () => BrowserWindow | undefined): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => {
    const win = getWindow();
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  return true;
}
