// Serves the built renderer (out/renderer): files by path, index.html for anything else that
// is not an API path (client-side routes), never a file outside the folder.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { rendererFileType } from '../shared/renderer-file-types';

export function serveStatic(staticDir: string, req: IncomingMessage, res: ServerResponse, pathname: string): void {
  const root = resolve(staticDir);
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400).end('bad path');
    return;
  }
  let file = normalize(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`renderer not built: ${root} has no index.html (run npx electron-vite build)`);
    return;
  }
  res.writeHead(200, {
    'content-type': rendererFileType(extname(file)),
    'x-content-type-options': 'nosniff',
    'cache-control': extname(file) === '.html' ? 'no-cache' : 'public, max-age=3600',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}
