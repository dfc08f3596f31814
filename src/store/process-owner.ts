// Who owns a run or a device claim, and whether that owner is still there. A pid alone is not
// enough: pids are reused (a dead CLI's pid may belong to a shell a minute later) and mean
// nothing on another machine. So an owner is recorded as pid + the process's start identity
// (Linux: boot id + start time from /proc/<pid>/stat) + hostname, and the live owner renews a
// lease. On this host the pid and its start identity decide; for an owner on another host (or
// where /proc is missing and the pid is alive) only an expired lease makes it gone.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** How often a live owner renews its leases. */
export const LEASE_RENEW_MS = 5_000;
/**
 * How long a lease lasts without renewal. Generous on purpose: a lease is renewed from the
 * owner's event loop, which one slow training batch (plain-JS `cpu` backend, big model) can hold
 * for a while, and declaring a live run dead is far worse than noticing a crash late. Same-host
 * crashes never wait for it: the pid check decides at once.
 */
export const LEASE_TTL_MS = 180_000;

export interface ProcessOwner {
  pid: number;
  host: string;
  /** `<boot id>/<start time in clock ticks>`, or null where /proc cannot tell. */
  start: string | null;
}

/** The owner fields as stored in a row (any of them null in rows written before schema v3). */
export interface StoredOwner {
  pid: number | null;
  host: string | null;
  start: string | null;
  leaseExpiresAt: string | null;
}

let bootId: string | null | undefined;
function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/**
 * The start identity of a process on this host, or null when it cannot be read (no /proc, or
 * the process is gone). Field 22 of /proc/<pid>/stat is the start time since boot; the command
 * name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.
 */
export function processStartId(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const boot = readBootId();
  if (boot === null) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field 22 is rest[19].
  const start = rest[19];
  return start && /^\d+$/.test(start) ? `${boot}/${start}` : null;
}

let self: ProcessOwner | undefined;
/** This process as an owner (computed once: none of it changes while the process lives). */
export function currentOwner(): ProcessOwner {
  if (!self || self.pid !== process.pid) self = { pid: process.pid, host: hostname(), start: processStartId(process.pid) };
  return self;
}

/** True when a process with this id exists (EPERM: it exists but belongs to another user). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function leaseExpiry(now: number = Date.now()): string {
  return new Date(now + LEASE_TTL_MS).toISOString();
}

export interface OwnerProbe {
  host: string;
  now: string;
  isAlive(pid: number): boolean;
  startId(pid: number): string | null;
}

export function localProbe(): OwnerProbe {
  return { host: currentOwner().host, now: new Date().toISOString(), isAlive: isPidAlive, startId: processStartId };
}

/**
 * Why a recorded owner is gone, or null while it may still be alive. `role` names it in the
 * reason ("worker", "owner").
 */
export function ownerGoneReason(o: StoredOwner, probe: OwnerProbe, role = 'owner'): string | null {
  if (o.pid === null) return `no ${role} was recorded`;
  const leaseExpired = o.leaseExpiresAt !== null && o.leaseExpiresAt < probe.now;
  if (o.host !== null && o.host !== probe.host) {
    // Another machine: its pids mean nothing here, the lease is all there is.
    if (o.leaseExpiresAt === null || leaseExpired) {
      return `its ${role} (pid ${o.pid} on host ${o.host}) stopped renewing its lease${o.leaseExpiresAt ? ` (expired ${o.leaseExpiresAt})` : ''}`;
    }
    return null;
  }
  if (!probe.isAlive(o.pid)) return `its ${role} (pid ${o.pid}) is gone`;
  if (o.start !== null) {
    const now = probe.startId(o.pid);
    if (now !== null && now !== o.start) return `its ${role} (pid ${o.pid}) is gone; that pid now belongs to another process`;
    if (now !== null) return null;
  }
  // The pid is alive but its identity cannot be checked (no /proc): a lapsed lease means the
  // recorded owner stopped long ago and the pid was reused.
  if (leaseExpired) return `its ${role} (pid ${o.pid}) stopped renewing its lease (expired ${o.leaseExpiresAt}); the pid was reused`;
  return null;
}
