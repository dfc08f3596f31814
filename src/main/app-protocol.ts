// Serves the built renderer under app://studio/ (see app-origin.ts). The scheme is registered as
// standard (real origin, relative URLs), secure (like https: no mixed-content downgrade) and
// fetch-capable before the app is ready; file:// is then never used for the app's own page.
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { APP_SCHEME, resolveAppFile } from './app-origin';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Answers app://studio/... from `rendererDir`, with the CSP on every response. */
export function serveAppProtocol(rendererDir: string, csp: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const answer = resolveAppFile(rendererDir, request.url);
    if (answer.status !== 200) return new Response(answer.reason, { status: answer.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    return new Response(await readFile(answer.file), {
      headers: { 'content-type': answer.type, 'content-security-policy': csp, 'x-content-type-options': 'nosniff' },
    });
  });
}
