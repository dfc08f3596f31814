// The e2e files each start a server, a browser and (in one) a training worker; on a 2-core
// machine running them side by side would make the frame-time measurement meaningless and the
// training slow. Each file holds this lock from its beforeAll to its afterAll.
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const LOCK = resolve(import.meta.dirname, '../../test-output/e2e/.exclusive.lock');
const STALE_MS = 20 * 60_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function acquireExclusive(): Promise<() => void> {
  mkdirSync(join(LOCK, '..'), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(LOCK, { force: true });
    } catch {
      // A holder that died (killed test run) or an ancient lock does not block forever.
      try {
        const holder = Number((await import('node:fs')).readFileSync(LOCK, 'utf8'));
        if ((holder && !pidAlive(holder)) || (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_MS)) rmSync(LOCK, { force: true });
      } catch {
        /* the holder released it meanwhile */
      }
      await sleep(500);
    }
  }
}
