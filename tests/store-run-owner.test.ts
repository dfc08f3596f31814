// Run owners and device claims on a real SQLite file, judged against real processes: a run whose
// owner is gone reads as interrupted in any process (pid gone, pid reused, lease expired on
// another host), a live owner's run is untouched, and a device is held by one run at a time
// across processes, taken over only from a holder that is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentOwner, LEASE_TTL_MS, processStartId, type ProcessOwner } from '../src/store/process-owner';
import { openStore, type Store } from '../src/store/store';

let dir: string;
let store: Store;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-owner-'));
  store = openStore(join(dir, 'studio.db'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A live process that is not this one (another studio process, as far as the store can tell). */
async function liveProcess(): Promise<{ child: ChildProcess; owner: ProcessOwner; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  const owner = { pid: child.pid!, host: hostname(), start: processStartId(child.pid!) };
  const kill = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  return { child, owner, kill };
}

const setLease = (table: 'runs' | 'device_claims', iso: string) => store.db.prepare(`UPDATE ${table} SET lease_expires_at = ?`).run(iso);
const past = () => new Date(Date.now() - 1000).toISOString();

describe('process owner identity', () => {
  it('reads a process start identity from /proc that tells two processes apart and stays stable', async () => {
    const me = currentOwner();
    expect(me.pid).toBe(process.pid);
    expect(me.host).toBe(hostname());
    // Independent reading of the same field: /proc/self/stat's 22nd field, counted after the comm.
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    expect(me.start).toBe(`${boot}/${fields[19]}`);
    const other = await liveProcess();
    expect(other.owner.start).not.toBeNull();
    expect(other.owner.start).not.toBe(me.start);
    expect(processStartId(other.owner.pid)).toBe(other.owner.start);
    await other.kill();
    expect(processStartId(other.owner.pid)).toBeNull();
  });
});

describe('run owners', () => {
  it('a run whose owner was killed reads as interrupted from any reader; a live owner\'s run is untouched', async () => {
    const other = await liveProcess();
    const theirs = store.runs.create({ data: '/d' }, { owner: other.owner });
    store.runs.markRunning(theirs, { backend: 'cpu', device: 'cpu', owner: other.owner });
    const mine = store.runs.create({ data: '/d' }, { owner: currentOwner() });
    store.runs.markRunning(mine, { backend: 'cpu', device: 'cpu', owner: currentOwner() });
    expect(store.runs.get(theirs)).toMatchObject({ status: 'running', workerPid: other.owner.pid, ownerHost: hostname() });

    await other.kill();
    // A second connection, as another process would read: the listing itself records the change.
    const reader = openStore(store.file);
    try {
      const listed = reader.runs.list();
      expect(listed.find((r) => r.id === theirs)).toMatchObject({ status: 'interrupted', workerPid: null, ownerHost: null });
      expect(listed.find((r) => r.id === theirs)!.error).toContain(`pid ${other.owner.pid}) is gone`);
      expect(listed.find((r) => r.id === mine)!.status).toBe('running');
    } finally {
      reader.close();
    }
    expect(store.runs.status(theirs)).toBe('interrupted');
    // Interrupted runs can be taken over for a resume by this process.
    store.runs.requeue(theirs, undefined, { owner: currentOwner() });
    expect(store.runs.get(theirs)).toMatchObject({ status: 'queued', workerPid: process.pid, ownerHost: hostname() });
  });

  it('a reused pid (alive, but started later than the recorded owner) does not keep a dead run alive', async () => {
    const other = await liveProcess();
    const reused = store.runs.create({ data: '/d' }, { owner: { ...other.owner, start: `${other.owner.start!.split('/')[0]}/1` } });
    const genuine = store.runs.create({ data: '/d' }, { owner: other.owner });
    const r = store.runs.get(reused)!;
    expect(r.status).toBe('interrupted');
    expect(r.error).toMatch(new RegExp(`pid ${other.owner.pid}\\) is gone; that pid now belongs to another process`));
    expect(store.runs.get(genuine)!.status).toBe('queued');
  });

  it('an owner on another host is judged by its lease, which the owner renews', () => {
    const remote: ProcessOwner = { pid: process.pid, host: 'other-host.invalid', start: 'x/1' };
    const id = store.runs.create({ data: '/d' }, { owner: remote });
    store.runs.markRunning(id, { backend: 'cpu', device: 'cpu', owner: remote });
    const lease = store.db.prepare('SELECT lease_expires_at FROM runs WHERE id = ?').pluck().get(id) as string;
    expect(Date.parse(lease) - Date.now()).toBeGreaterThan(LEASE_TTL_MS - 10_000);
    expect(store.runs.get(id)!.status).toBe('running');

    setLease('runs', past());
    // Renewal by the owner (only its own rows) brings it back before anyone looked.
    const local = store.runs.create({ data: '/d' }, { owner: currentOwner() });
    expect(store.runs.renewLeases(remote)).toBe(1);
    expect(store.runs.get(id)!.status).toBe('running');

    setLease('runs', past());
    const r = store.runs.get(id)!;
    expect(r.status).toBe('interrupted');
    expect(r.error).toMatch(/pid \d+ on host other-host\.invalid\) stopped renewing its lease \(expired /);
    // This process's own run: same pid as the "remote" one, but this host and a live start id.
    expect(store.runs.get(local)!.status).toBe('queued');
  });
});

describe('device claims', () => {
  it('one run per device: a live holder refuses, a killed holder is taken over, release frees', async () => {
    const other = await liveProcess();
    const theirs = store.runs.create({ data: '/d' }, { owner: other.owner });
    const mine = store.runs.create({ data: '/d' }, { owner: currentOwner() });
    expect(store.deviceClaims.claim('cpu@h', theirs, other.owner)).toEqual({ acquired: true });

    const refused = store.deviceClaims.claim('cpu@h', mine, currentOwner());
    expect(refused).toMatchObject({ acquired: false, holder: { device: 'cpu@h', runId: theirs, ownerPid: other.owner.pid, runStatus: 'queued' } });
    // Another device is free.
    expect(store.deviceClaims.claim('gpu@h', mine, currentOwner())).toEqual({ acquired: true });
    expect(store.deviceClaims.release('gpu@h', mine, currentOwner())).toBe(true);

    await other.kill();
    const took = store.deviceClaims.claim('cpu@h', mine, currentOwner());
    expect(took.acquired).toBe(true);
    expect(took.acquired && took.tookOver?.reason).toContain(`holder (pid ${other.owner.pid}) is gone`);
    expect(store.deviceClaims.get('cpu@h')).toMatchObject({ runId: mine, ownerPid: process.pid });
    // Claiming again is a renewal, not a conflict; only the holder's release removes the claim.
    expect(store.deviceClaims.claim('cpu@h', mine, currentOwner())).toEqual({ acquired: true });
    expect(store.deviceClaims.release('cpu@h', theirs, other.owner)).toBe(false);
    expect(store.deviceClaims.release('cpu@h', mine, currentOwner())).toBe(true);
    expect(store.deviceClaims.get('cpu@h')).toBeUndefined();
  });

  it('a claim whose run has ended, or whose remote holder stopped renewing, is taken over', async () => {
    const other = await liveProcess();
    const ended = store.runs.create({ data: '/d' }, { owner: other.owner });
    store.deviceClaims.claim('cpu@h', ended, other.owner);
    store.runs.cancel(ended);
    const mine = store.runs.create({ data: '/d' }, { owner: currentOwner() });
    const r = store.deviceClaims.claim('cpu@h', mine, currentOwner());
    expect(r.acquired && r.tookOver?.reason).toBe(`run ${ended} that held it is cancelled`);
    store.deviceClaims.release('cpu@h', mine, currentOwner());

    const remote: ProcessOwner = { pid: 1, host: 'other-host.invalid', start: null };
    const remoteRun = store.runs.create({ data: '/d' }, { owner: remote });
    store.deviceClaims.claim('cpu@h', remoteRun, remote);
    expect(store.deviceClaims.claim('cpu@h', mine, currentOwner()).acquired).toBe(false);
    expect(store.deviceClaims.renewLeases(remote)).toBe(1);
    setLease('device_claims', past());
    const t = store.deviceClaims.claim('cpu@h', mine, currentOwner());
    expect(t.acquired && t.tookOver?.reason).toMatch(/holder \(pid 1 on host other-host\.invalid\) stopped renewing its lease/);
  });

  it('processes racing for one device: exactly one gets it', async () => {
    const runs = [1, 2, 3].map(() => store.runs.create({ data: '/d' }));
    const storeUrl = pathToFileURL(resolve('src/store/store.ts')).href;
    const ownerUrl = pathToFileURL(resolve('src/store/process-owner.ts')).href;
    // Each child opens the file and says "ready"; on "go" (sent to all at once) it claims for its
    // own run, reports, and stays alive (a live holder) until its stdin closes.
    const script = (runId: number) => `
      const { openStore } = await import(${JSON.stringify(storeUrl)});
      const { currentOwner } = await import(${JSON.stringify(ownerUrl)});
      const s = openStore(${JSON.stringify(store.file)});
      process.stdout.write('ready\\n');
      process.stdin.once('data', () => {
        const r = s.deviceClaims.claim('cpu@race', ${runId}, currentOwner());
        process.stdout.write(JSON.stringify({ runId: ${runId}, acquired: r.acquired, holder: r.acquired ? null : r.holder.runId }) + '\\n');
        process.stdin.once('end', () => s.close());
        process.stdin.resume();
      });`;
    const procs = runs.map((id) => {
      const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(id)], { stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(c);
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      const line = (n: number) =>
        new Promise<string>((res, rej) => {
          const check = () => {
            const lines = out.split('\n');
            if (lines.length > n) res(lines[n - 1]!);
          };
          c.stdout!.on('data', check);
          c.once('exit', (code) => rej(new Error(`child exited (${code}) before line ${n}: ${out}`)));
          check();
        });
      return { c, line };
    });
    expect(await Promise.all(procs.map((p) => p.line(1)))).toEqual(['ready', 'ready', 'ready']);
    for (const p of procs) p.c.stdin!.write('go\n');
    const results = (await Promise.all(procs.map((p) => p.line(2)))).map((l) => JSON.parse(l) as { runId: number; acquired: boolean; holder: number | null });
    for (const p of procs) p.c.stdin!.end();
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => !x.acquired)) expect(r.holder).toBe(winners[0]!.runId);
    expect(store.deviceClaims.get('cpu@race')!.runId).toBe(winners[0]!.runId);
  }, 60_000);
});
