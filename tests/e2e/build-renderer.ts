// The e2e tests load the built renderer from out/renderer. Build it when it is missing or older
// than any source it is made from. Only the renderer is built (same root, plugin and base as
// electron.vite.config.ts's renderer section), so a half-finished main process elsewhere in the
// checkout cannot block the UI tests. A lock file keeps two test files from building at once.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'out/renderer');
const LOCK = join(ROOT, 'out/.renderer-build.lock');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  const index = join(OUT, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return [join(ROOT, 'src/renderer'), join(ROOT, 'src/shared')].some((d) => newestMtime(d) > built);
}

export async function ensureRendererBuilt(): Promise<void> {
  if (!isStale()) return;
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      break;
    } catch {
      // Another test file is building; a lock older than 3 minutes was left by a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmSync(LOCK, { force: true });
      await sleep(500);
      if (!isStale()) return;
    }
  }
  try {
    if (!isStale()) return;
    const { build } = await import('vite');
    const react = (await import('@vitejs/plugin-react')).default;
    // vitest sets NODE_ENV=test, which would give React's development build (and the plugin's
    // jsxDEV transform); build what ships, then put the test environment back.
    const savedEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
    await build({
      configFile: false,
      mode: 'production',
      root: join(ROOT, 'src/renderer'),
      base: './',
      plugins: [react()],
      logLevel: 'warn',
      build: { outDir: OUT, emptyOutDir: true, rollupOptions: { input: { index: join(ROOT, 'src/renderer/index.html') } } },
    });
    } finally {
      process.env.NODE_ENV = savedEnv;
    }
  } finally {
    rmSync(LOCK, { force: true });
  }
}
