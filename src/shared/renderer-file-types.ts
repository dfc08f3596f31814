// Content types of the built renderer's files, for the two hosts that serve them: the HTTP host
// (server/static-files.ts) and the Electron app:// scheme (main/app-origin.ts).
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** The content type for a file extension (with its dot, any case); unknown ones are bytes. */
export function rendererFileType(extension: string): string {
  return TYPES[extension.toLowerCase()] ?? 'application/octet-stream';
}
