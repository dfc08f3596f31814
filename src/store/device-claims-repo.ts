// One training per device across every process sharing the database (the app, `serve`, CLI
// `train` and `resume`): before a run computes, its process claims the device here. The claim is
// taken in an IMMEDIATE transaction (one writer at a time, so two processes cannot both see the
// device free), released when the run ends, and taken over when its holder is gone (judged like
// a run's owner: pid + start identity on this host, lease elsewhere) or its run is no longer
// unfinished. A process's RunQueue already serialises its own runs; this serialises processes.
import { nowIso, type Database } from './db-types';
import { leaseExpiry, localProbe, ownerGoneReason, type OwnerProbe, type ProcessOwner } from './process-owner';

export interface DeviceClaim {
  device: string;
  runId: number;
  ownerPid: number;
  ownerHost: string;
  claimedAt: string;
  leaseExpiresAt: string;
  /** The holding run's name and status, for messages ("run 12 "unet b8 64px" holds cpu@host"). */
  runName: string | null;
  runStatus: string | null;
}

export type ClaimResult =
  | { acquired: true; /** A claim of a vanished holder that was replaced, with why. */ tookOver?: { claim: DeviceClaim; reason: string } }
  | { acquired: false; holder: DeviceClaim };

interface ClaimRow {
  device: string;
  run_id: number;
  owner_pid: number;
  owner_host: string;
  owner_start: string | null;
  lease_expires_at: string;
  claimed_at: string;
  run_name: string | null;
  run_status: string | null;
}

function toClaim(r: ClaimRow): DeviceClaim {
  return {
    device: r.device,
    runId: r.run_id,
    ownerPid: r.owner_pid,
    ownerHost: r.owner_host,
    claimedAt: r.claimed_at,
    leaseExpiresAt: r.lease_expires_at,
    runName: r.run_name,
    runStatus: r.run_status,
  };
}

export class DeviceClaimsRepo {
  private readonly stmts;

  constructor(private readonly db: Database) {
    this.stmts = {
      get: db.prepare<[string], ClaimRow>(`
        SELECT c.*, r.name AS run_name, r.status AS run_status
        FROM device_claims c LEFT JOIN runs r ON r.id = c.run_id WHERE c.device = ?`),
      put: db.prepare(`
        INSERT OR REPLACE INTO device_claims (device, run_id, owner_pid, owner_host, owner_start, lease_expires_at, claimed_at)
        VALUES (@device, @runId, @pid, @host, @start, @lease, @now)`),
      release: db.prepare(`
        DELETE FROM device_claims WHERE device = @device AND run_id = @runId AND owner_pid = @pid AND owner_host = @host`),
      renew: db.prepare(`
        UPDATE device_claims SET lease_expires_at = @lease WHERE owner_pid = @pid AND owner_host = @host AND owner_start IS @start`),
    };
  }

  /**
   * Claims `device` for `runId` on behalf of `owner`. Refused (with the holder) while another
   * live process's unfinished run holds it; re-claiming one's own claim renews it.
   */
  claim(device: string, runId: number, owner: ProcessOwner, probe: OwnerProbe = localProbe()): ClaimResult {
    return this.db
      .transaction((): ClaimResult => {
        const row = this.stmts.get.get(device);
        let tookOver: { claim: DeviceClaim; reason: string } | undefined;
        if (row) {
          const mine = row.run_id === runId && row.owner_pid === owner.pid && row.owner_host === owner.host && row.owner_start === owner.start;
          if (!mine) {
            const reason = this.staleReason(row, probe);
            if (reason === null) return { acquired: false, holder: toClaim(row) };
            tookOver = { claim: toClaim(row), reason };
          }
        }
        this.stmts.put.run({ device, runId, pid: owner.pid, host: owner.host, start: owner.start, lease: leaseExpiry(), now: nowIso() });
        return tookOver ? { acquired: true, tookOver } : { acquired: true };
      })
      .immediate();
  }

  /** Gives the device back; only the holder's own claim for that run is removed. */
  release(device: string, runId: number, owner: ProcessOwner): boolean {
    return this.stmts.release.run({ device, runId, pid: owner.pid, host: owner.host }).changes > 0;
  }

  renewLeases(owner: ProcessOwner): number {
    return this.stmts.renew.run({ lease: leaseExpiry(), pid: owner.pid, host: owner.host, start: owner.start }).changes;
  }

  get(device: string): DeviceClaim | undefined {
    const row = this.stmts.get.get(device);
    return row ? toClaim(row) : undefined;
  }

  /** Why a claim no longer holds, or null while it does. */
  private staleReason(row: ClaimRow, probe: OwnerProbe): string | null {
    if (row.run_status !== 'queued' && row.run_status !== 'running') {
      return `run ${row.run_id} that held it is ${row.run_status ?? 'deleted'}`;
    }
    return ownerGoneReason({ pid: row.owner_pid, host: row.owner_host, start: row.owner_start, leaseExpiresAt: row.lease_expires_at }, probe, 'holder');
  }
}
