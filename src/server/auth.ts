// Every request carries the token: `Authorization: Bearer <token>` from fetch, or `?token=` on
// URLs a browser loads by itself (<img src>, WebSocket), which cannot carry headers.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const h = req.headers.authorization;
  if (h && /^Bearer\s+/i.test(h)) return h.replace(/^Bearer\s+/i, '').trim();
  return url.searchParams.get('token') ?? undefined;
}

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compare in constant time so the token cannot be guessed byte by byte from response timing.
  return a.length === b.length && timingSafeEqual(a, b);
}
