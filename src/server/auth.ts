// Every request carries the token, names this server in Host, and (from a browser) comes from
// its own origin. The token: `Authorization: Bearer <token>` from fetch, or `?token=` on
// URLs a browser loads by itself (<img src>, WebSocket), which cannot carry headers.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

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

/** Addresses that mean "any interface": every local address may then appear in Host. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

function hostName(h: string): string {
  const lower = h.trim().toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/**
 * The Host header values this server answers to: the loopback names and the address it listens
 * on (every local address and the machine's name when that is a wildcard), each with the port,
 * plus names the operator adds. A page elsewhere that rebinds its DNS name to this address still
 * sends its own name in Host, so checking Host defeats DNS rebinding.
 */
export function allowedHosts(listenHost: string, port: number, extra: string[] = []): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', hostName(listenHost)]);
  if (WILDCARDS.has(listenHost)) {
    for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) names.add(hostName(a.address));
    names.add(hostName(hostname()));
  }
  for (const e of extra) if (e.trim()) names.add(hostName(e));
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    // Browsers leave the default port out of Host and Origin.
    if (port === 80) out.add(n);
  }
  return out;
}

export function hostAllowed(hostHeader: string | undefined, allowed: Set<string>): boolean {
  return hostHeader !== undefined && allowed.has(hostHeader.trim().toLowerCase());
}

/**
 * Browsers send Origin on WebSocket upgrades and POSTs; a page of another site must not talk to
 * the studio even when it has guessed or stolen nothing. No Origin: not a browser, allowed (the
 * token still decides). "null" (sandboxed frames, file: pages) is refused.
 */
export function originAllowed(origin: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && allowed.has(u.host.toLowerCase());
}
