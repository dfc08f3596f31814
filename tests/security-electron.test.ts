// Probe finding "Electron": isAppUrl took any file:// URL, so a local HTML page the window reached
// (a dropped file, say) got window.studio with no folder limits. The renderer now has one origin,
// app://studio (or the dev server's exact origin); IPC senders and navigation targets are compared
// with it exactly, and the protocol's file resolver never leaves out/renderer. Both are plain
// functions (src/main/app-origin.ts has no Electron import).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockDropNavigation } from '../src/renderer/src/block-drop-navigation';
import { APP_ENTRY_URL, APP_HOST, APP_ORIGIN, APP_SCHEME, isAppUrl, resolveAppFile } from '../src/main/app-origin';

describe('isAppUrl', () => {
  it("takes only the app's own origin in the packaged app", () => {
    for (const ok of [APP_ENTRY_URL, 'app://studio/', 'app://studio/assets/index-1.js', 'app://STUDIO/index.html#/runs']) {
      expect(isAppUrl(ok, undefined), ok).toBe(true);
    }
    for (const bad of [
      'file:///home/user/Downloads/evil.html', // the probe: any local page
      'file:///tmp/out/renderer/index.html',
      'app://studio.evil/index.html',
      'app://studi/index.html',
      'app://evil@studio/index.html',
      'app://studio:8080/index.html',
      'app-x://studio/index.html',
      'http://localhost:5173/',
      'https://studio/',
      'about:blank',
      'data:text/html,<script>1</script>',
      'not a url',
      '',
    ]) {
      expect(isAppUrl(bad, undefined), bad).toBe(false);
    }
  });

  it("takes only the dev server's exact origin under electron-vite dev", () => {
    const dev = 'http://localhost:5173';
    expect(isAppUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5173/src/main.tsx?t=1', dev)).toBe(true);
    for (const bad of [
      'http://localhost:5173.evil.example/', // the old prefix test took this
      'http://localhost:51730/',
      'https://localhost:5173/',
      'http://user@localhost:5173/',
      'http://127.0.0.1:5173/',
      'file:///tmp/evil.html',
      APP_ENTRY_URL, // not served in dev
    ]) {
      expect(isAppUrl(bad, dev), bad).toBe(false);
    }
    expect(isAppUrl('http://localhost:5173/', 'file:///dev')).toBe(false);
  });
});

describe('resolveAppFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-electron-'));
  const renderer = join(dir, 'renderer');
  const secret = join(dir, 'secret.txt');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>studio</title>');
  writeFileSync(join(renderer, 'assets', 'index-1.js'), 'console.log(1)');
  writeFileSync(join(renderer, 'assets', 'style.css'), 'body{}');
  writeFileSync(secret, 'not for the page');
  symlinkSync(secret, join(renderer, 'assets', 'link.js'));
  symlinkSync(dir, join(renderer, 'up'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const answer = (url: string) => resolveAppFile(renderer, url);

  it('serves index.html at the root and the built files with their types', () => {
    for (const url of ['app://studio/', 'app://studio', APP_ENTRY_URL]) {
      const a = answer(url);
      expect(a.status, url).toBe(200);
      if (a.status === 200) expect(readFileSync(a.file, 'utf8')).toContain('<title>studio</title>');
    }
    const js = answer('app://studio/assets/index-1.js');
    expect(js.status === 200 && js.type).toBe('text/javascript; charset=utf-8');
    const css = answer('app://studio/assets/style.css?v=2#x');
    expect(css.status === 200 && css.type).toBe('text/css; charset=utf-8');
  });

  it('never answers with a file outside the renderer folder', () => {
    const outside = [
      'app://studio/../secret.txt',
      'app://studio/%2e%2e/secret.txt',
      'app://studio/assets/..%2f..%2fsecret.txt',
      'app://studio/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://studio/..%5csecret.txt',
      'app://studio/assets/link.js', // a symlink out
      'app://studio/up/secret.txt', // a folder symlink out
      'app://studio/index.html%00.js',
      'app://studio/C:%5cWindows%5cwin.ini',
      'app://evil/secret.txt',
      `file://${secret}`,
    ];
    for (const url of outside) {
      const a = answer(url);
      expect(a.status, url).not.toBe(200);
      if (a.status === 200) expect(a.file).not.toBe(secret);
    }
    expect(answer('app://studio/assets/..%2f..%2fsecret.txt').status).toBe(403);
    expect(answer('app://studio/assets/link.js').status).toBe(403);
    expect(answer('app://studio/assets/%E0%A4%A').status).toBe(400);
  });

  it('answers 404 for what is not there, folders included (the renderer routes by hash)', () => {
    expect(answer('app://studio/nope.js').status).toBe(404);
    expect(answer('app://studio/assets').status).toBe(404);
    expect(resolveAppFile(join(dir, 'not-built'), APP_ENTRY_URL).status).toBe(404);
  });
});

describe('the app origin constants', () => {
  it('agree with each other', () => {
    expect(APP_ORIGIN).toBe(`${APP_SCHEME}://${APP_HOST}`);
    expect(APP_ENTRY_URL).toBe(`${APP_ORIGIN}/index.html`);
  });
});

describe('Electron fuses (scripts/apply-electron-fuses.mjs)', () => {
  // The fuse wire as Electron lays it out: a sentinel, the wire version, the number of fuses, then
  // one ASCII byte per fuse ('0' off, '1' on, 'r' removed). Built and read here independently of
  // @electron/fuses, on a stand-in binary (no Electron download needed).
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  // Electron's defaults: RunAsNode, -, NODE_OPTIONS, --inspect on; asar checks off; file: privileges and wasm trap handlers on.
  const DEFAULTS = '101100011';
  const dir = mkdtempSync(join(tmpdir(), 'seg-sec-fuses-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function fakeBinary(name: string, slices = 1): { path: string; before: Buffer } {
    const parts: Buffer[] = [Buffer.from('\x7fELF junk before the wire ')];
    for (let i = 0; i < slices; i++) parts.push(Buffer.from(SENTINEL), Buffer.from([1, DEFAULTS.length]), Buffer.from(DEFAULTS), Buffer.from(` slice ${i} tail`));
    const path = join(dir, name);
    const before = Buffer.concat(parts);
    writeFileSync(path, before);
    return { path, before };
  }
  function wires(file: string): string[] {
    const buf = readFileSync(file);
    const out: string[] = [];
    for (let at = buf.indexOf(SENTINEL); at >= 0; at = buf.indexOf(SENTINEL, at + 1)) {
      const w = at + SENTINEL.length;
      expect(buf[w]).toBe(1);
      out.push(buf.subarray(w + 2, w + 2 + buf[w + 1]!).toString('latin1'));
    }
    return out;
  }
  const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/apply-electron-fuses.mjs', ...args], { encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });

  it('turns RunAsNode, NODE_OPTIONS, --inspect and file: privileges off and cookie encryption and the asar checks on', () => {
    const { path, before } = fakeBinary('electron');
    expect(run(path, '--check').status).toBe(1);
    const r = run(path);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // RunAsNode 0, cookies 1, NODE_OPTIONS 0, inspect 0, asar integrity 1, only asar 1, v8 snapshot 0, file: 0, the 9th (newer than the tool) kept.
    expect(wires(path)).toEqual(['010011001']);
    const after = readFileSync(path);
    expect(after.length).toBe(before.length);
    const wireAt = before.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect(Buffer.compare(after.subarray(0, wireAt), before.subarray(0, wireAt))).toBe(0);
    expect(Buffer.compare(after.subarray(wireAt + DEFAULTS.length), before.subarray(wireAt + DEFAULTS.length))).toBe(0);
    expect(run(path, '--check').status).toBe(0);
  });

  it('leaves the asar fuses off for an app shipped as a folder, and sets every slice of a universal binary', () => {
    const folder = fakeBinary('electron-folder');
    expect(run(folder.path, '--no-asar').status).toBe(0);
    expect(wires(folder.path)).toEqual(['010000001']);
    const universal = fakeBinary('electron-universal', 2);
    expect(run(universal.path).status).toBe(0);
    expect(wires(universal.path)).toEqual(['010011001', '010011001']);
  });

  it('names the file when it is missing or not an Electron binary', () => {
    const missing = run(join(dir, 'nope'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(join(dir, 'nope'));
    writeFileSync(join(dir, 'plain'), 'no wire here');
    const plain = run(join(dir, 'plain'));
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/sentinel/);
  });
});

describe('drops on the page', () => {
  it('cannot navigate it: dragover and drop have their default cancelled', () => {
    const page = new EventTarget();
    blockDropNavigation(page as unknown as Window);
    for (const type of ['dragover', 'drop']) {
      const e = new Event(type, { cancelable: true });
      page.dispatchEvent(e);
      expect(e.defaultPrevented, type).toBe(true);
    }
    const other = new Event('click', { cancelable: true });
    page.dispatchEvent(other);
    expect(other.defaultPrevented).toBe(false);
  });
});
