// What every e2e file does before and after its tests. Before: it takes the machine for itself
// (exclusive.ts: one browser test at a time, whatever the other fork runs), makes sure the
// renderer is built, and works in a fresh temp folder. After: whatever of that it reached, and
// the server and browser it started, is closed, stopped, removed and released.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserSession } from './browser';
import { ensureRendererBuilt } from './build-renderer';
import { acquireExclusive } from './exclusive';
import type { StudioServer } from './studio-server';

/** The start of an e2e file's beforeAll: the lock (release it in `endE2E`) and a temp folder `prefix…`. */
export async function beginE2E(prefix: string): Promise<{ release: () => void; tmp: string }> {
  const release = await acquireExclusive();
  try {
    await ensureRendererBuilt();
    return { release, tmp: mkdtempSync(join(tmpdir(), prefix)) };
  } catch (err) {
    release(); // the caller never got the lock's release: give it back here
    throw err;
  }
}

/** An e2e file's afterAll: the browser closed, the server stopped, the temp folder removed, the lock released. */
export async function endE2E(opened: { session?: BrowserSession; server?: StudioServer; tmp?: string; release: () => void }): Promise<void> {
  await opened.session?.close();
  await opened.server?.stop();
  if (opened.tmp) rmSync(opened.tmp, { recursive: true, force: true });
  opened.release();
}
