// A file dropped anywhere on the page would make the browser (or Electron's window) navigate to
// it: a local HTML file would then run where the studio was. No part of the studio takes drops
// from outside, so the default is turned off for the whole page (main also refuses such
// navigation; this keeps the page from even asking).
export function blockDropNavigation(target: Window = window): void {
  const stop = (e: DragEvent) => e.preventDefault();
  target.addEventListener('dragover', stop);
  target.addEventListener('drop', stop);
}
