// The renderer's one origin and the files served under it: app://studio/ (a privileged, standard,
// secure custom scheme) in the packaged app, the electron-vite dev server's exact origin in
// development. Only a page of that origin may call IPC or be navigated to: any file:// page the
// window might reach (a dropped file, a link) is someone else's and gets nothing.
// Plain functions with no Electron import, so tests load them as they are.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative } from 'node:path';
import { rendererFileType } from '../shared/renderer-file-types';

export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_ORIGIN = 'app://studio';
export const APP_ENTRY_URL = 'app://studio/index.html';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when a URL belongs to the app's own page: scheme and host of app://studio exactly (no
 * port, no user info), or the dev server's exact origin when one is given. Prefixes, look-alike
 * hosts and every other scheme (file: above all) are refused.
 */
export function isAppUrl(url: string, devServerUrl: string | undefined): boolean {
  const u = parse(url);
  if (!u || u.username !== '' || u.password !== '') return false;
  if (devServerUrl) {
    const dev = parse(devServerUrl);
    // Node's URL gives http(s) a real origin; compare it whole (scheme, host and port).
    return dev !== null && (dev.protocol === 'http:' || dev.protocol === 'https:') && u.origin === dev.origin;
  }
  // `app:` is not special to Node's URL parser (its origin is "null", its host kept as written);
  // Chromium lowercases the host of a standard scheme. Compare the parts.
  return u.protocol === `${APP_SCHEME}:` && u.host.toLowerCase() === APP_HOST;
}

export type AppFileAnswer = { status: 200; file: string; type: string } | { status: 400 | 403 | 404; reason: string };

/**
 * Which file of the built renderer (`rendererDir`, i.e. out/renderer) answers an app:// request.
 * Each path segment is decoded on its own and refused when it is `.`/`..` or hides a separator
 * or NUL, and the file's real path (symlinks resolved) must lie inside the folder's real path.
 * "/" is index.html; the renderer routes by hash, so nothing else falls back to it.
 */
export function resolveAppFile(rendererDir: string, requestUrl: string): AppFileAnswer {
  const u = parse(requestUrl);
  if (!u || !isAppUrl(requestUrl, undefined)) return { status: 403, reason: 'not an app:// URL of the studio' };
  const segments: string[] = [];
  for (const raw of u.pathname.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { status: 400, reason: `bad escape in ${raw}` };
    }
    if (seg === '.' || seg === '..' || /[\\/\0]/.test(seg) || /^[a-zA-Z]:/.test(seg)) return { status: 403, reason: `path segment ${JSON.stringify(seg)} refused` };
    segments.push(seg);
  }
  if (segments.length === 0) segments.push('index.html');
  let root: string;
  try {
    root = realpathSync(rendererDir);
  } catch {
    return { status: 404, reason: `the renderer is not built (${rendererDir} is missing)` };
  }
  const file = join(root, ...segments);
  if (!existsSync(file)) return { status: 404, reason: `${segments.join('/')} does not exist` };
  const real = realpathSync(file);
  const rel = relative(root, real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { status: 403, reason: `${segments.join('/')} lies outside the renderer` };
  if (!statSync(real).isFile()) return { status: 404, reason: `${segments.join('/')} is not a file` };
  return { status: 200, file: real, type: rendererFileType(extname(real)) };
}
