// The Electron bundles build, and what they hold is usable: the preload parses as a classic
// script (sandboxed preloads cannot be ES modules) and exposes exactly the contract's API; the
// renderer's index.html points at files that exist; main carries the worker entry it forks.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_CHANNEL, contract, ipcChannel, listOperations } from '../src/shared/contract';
import { APP_ENTRY_URL, resolveAppFile } from '../src/main/app-origin';

const OUT = resolve('out');
const PRELOAD = join(OUT, 'preload', 'index.cjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

describe('electron-vite build', () => {
  beforeAll(() => {
    // CI builds before the tests; rebuild here only when the output is missing or older than the sources.
    const sources = Math.max(...['src', 'electron.vite.config.ts'].map((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)));
    if (!existsSync(PRELOAD) || statSync(PRELOAD).mtimeMs < sources) {
      execFileSync('npx', ['electron-vite', 'build'], { stdio: 'pipe', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
    }
  }, 300_000);

  it('builds main with the training worker as a second entry', () => {
    const main = readFileSync(join(OUT, 'main', 'index.js'), 'utf8');
    expect(main).toMatch(/from ["']electron["']/);
    expect(main).toContain('train-worker.js');
    expect(existsSync(join(OUT, 'main', 'train-worker.js'))).toBe(true);
    // The window's locked-down web preferences are part of the bundle.
    expect(main).toContain('contextIsolation');
    // The renderer comes from the app's own privileged scheme, never from file:// (any local page).
    expect(main).toContain('registerSchemesAsPrivileged');
    expect(main).toContain('app://studio/index.html');
    expect(main).not.toMatch(/\bloadFile\(/);
    expect(main).not.toMatch(/startsWith\(["']file:/);
  });

  it('builds a CommonJS preload that exposes window.studio from the contract, and nothing else', () => {
    const code = readFileSync(PRELOAD, 'utf8');
    expect(() => new vm.Script(code, { filename: PRELOAD })).not.toThrow();
    expect(code).toContain('contextBridge');

    // Run the bundle against a recording stand-in for the 'electron' module: what it exposes and
    // which channels its functions invoke are then observable without an Electron binary.
    const exposed: Record<string, unknown> = {};
    const invoked: Array<{ channel: string; args: unknown }> = [];
    const listeners: Array<{ channel: string; fn: (...a: unknown[]) => void }> = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: (channel: string, args: unknown) => {
          invoked.push({ channel, args });
          return Promise.resolve({ ok: true, result: null });
        },
        on: (channel: string, fn: (...a: unknown[]) => void) => listeners.push({ channel, fn }),
        removeListener: (channel: string, fn: unknown) => {
          const i = listeners.findIndex((l) => l.channel === channel && l.fn === fn);
          if (i >= 0) listeners.splice(i, 1);
        },
      },
    };
    const requireStub = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`preload requires ${id}: a sandboxed preload can only require electron`);
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: requireStub, module, exports: module.exports, console });

    expect(Object.keys(exposed)).toEqual(['studio']);
    const studio = exposed.studio as Record<string, Record<string, (a?: unknown) => Promise<unknown>> | ((...a: unknown[]) => unknown)>;
    expect(Object.keys(studio).sort()).toEqual([...Object.keys(contract), 'on'].sort());
    for (const { domain, op } of listOperations()) {
      const fn = (studio[domain] as Record<string, (a?: unknown) => Promise<unknown>>)[op];
      expect(typeof fn, `${domain}.${op}`).toBe('function');
      void fn!({ probe: op });
      expect(invoked.at(-1)).toEqual({ channel: ipcChannel(domain, op), args: { probe: op } });
    }

    const got: unknown[] = [];
    const off = (studio.on as (e: string, l: (p: unknown) => void) => () => void)('run:epoch', (p) => got.push(p));
    const l = listeners.find((x) => x.channel === EVENT_CHANNEL)!;
    l.fn({}, { event: 'run:status', payload: { runId: 1 } });
    l.fn({}, { event: 'run:epoch', payload: { runId: 2 } });
    expect(got).toEqual([{ runId: 2 }]);
    off();
    expect(listeners).toHaveLength(0);
    expect(() => (studio.on as (e: string, l: unknown) => void)('not:an-event', () => {})).toThrow();
  });

  it('builds a renderer whose index.html references existing assets under a strict CSP', () => {
    const html = readFileSync(join(OUT, 'renderer', 'index.html'), 'utf8');
    expect(html).toContain('Content-Security-Policy');
    expect(html).not.toMatch(/script-src[^;"]*unsafe-inline/);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const local = refs.filter((r) => !/^(https?:|data:)/.test(r));
    expect(local.some((r) => r.endsWith('.js'))).toBe(true);
    for (const r of local) expect(existsSync(join(OUT, 'renderer', r.replace(/^\.?\//, ''))), r).toBe(true);
    // ...and the app:// protocol answers each of them, resolved against the page's URL.
    for (const r of local) expect(resolveAppFile(join(OUT, 'renderer'), new URL(r, APP_ENTRY_URL).href).status, r).toBe(200);
  });
});
