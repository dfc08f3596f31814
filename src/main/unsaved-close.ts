// Closing or reloading the window while the label editor has unsaved edits: the page's
// beforeunload handler asks to stay, and Electron (unlike a browser) then cancels silently, so
// the user would see a window that does not close. Ask here instead.
import { dialog, type BrowserWindow } from 'electron';

export function askBeforeLeavingUnsavedEdits(win: BrowserWindow): void {
  win.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(win, {
      type: 'warning',
      buttons: ['Stay', 'Leave'],
      defaultId: 0,
      cancelId: 0,
      title: 'Unsaved label edits',
      message: 'This label has edits that are not saved.',
      detail: 'Stay to save them (Ctrl+S). If you leave, they are kept as a draft that the editor offers back when you open this photo again.',
    });
    // preventDefault here overrides the page's "stay" and lets the window close or reload.
    if (choice === 1) event.preventDefault();
  });
}
