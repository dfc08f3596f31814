// A recording `seg-studio train` killed with SIGKILL (power loss, the OOM killer) is seen as
// interrupted by the next `seg-studio runs`, with no app or server started, and `seg-studio
// resume ID` finishes it in its own process, continuing from the recorded epochs. And the CLI
// respects another process's claim on the device: it waits, naming the run that holds it.
// Real processes, a real SQLite file, the repository's fixture.
import Database from 'better-sqlite3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { currentOwner } from '../src/store/process-owner';
import { openStore } from '../src/store/store';
import { deviceClaimKey } from '../src/services/device-claim';
import { parseRunConfig } from '../src/shared/run-config';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'seg-cli-crash-'));
const db = join(work, 'studio.db');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const res = await run(process.execPath, [bin, ...args, '--db', db, '--json'], { cwd: root, maxBuffer: 64 << 20, timeout: 120_000 });
  const lines = res.stdout.trim().split('\n');
  return { json: JSON.parse(lines[lines.length - 1]!) as unknown, stderr: res.stderr };
}

/** Every process `pid`'s threads have started and that is still running, as command lines. */
function childCommands(pid: number): string[] {
  const out: string[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        try {
          out.push(readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' '));
        } catch {
          // exited meanwhile
        }
      }
    }
  } catch {
    // the process itself has exited
  }
  return out;
}

/** Runs the CLI like `cli`, noting the command line of every child process seen while it runs. */
async function cliWatchingChildren(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args, '--db', db, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const seen = new Set<string>();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  while (child.exitCode === null) {
    for (const c of childCommands(child.pid!)) seen.add(c);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 25))]);
  }
  expect(await exited, stderr).toBe(0);
  const lines = stdout.trim().split('\n');
  return { json: JSON.parse(lines[lines.length - 1]!) as unknown, stderr, children: [...seen] };
}

/** `seg-studio train` as a background process; its stderr is collected. */
function startTrain(out: string, epochs: number) {
  const child = spawn(
    process.execPath,
    [bin, 'train', '--db', db, '--data', fixture, '--preset', 'cpu-tiny', '--epochs', String(epochs), '--max-train-images', '4', '--seed', '3', '--out', out, '--json'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

/** Polls the database file (a separate connection, as any reader) until `check` returns a value. */
async function waitFor<T>(what: string, check: (d: Database.Database) => T | undefined, timeoutMs = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      const d = new Database(db, { fileMustExist: true });
      try {
        const v = check(d);
        if (v !== undefined) return v;
      } finally {
        d.close();
      }
    } catch (err) {
      if (!/no such table|does not exist|unable to open/i.test((err as Error).message)) throw err;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type RunRow = { id: number; status: string; epochsCompleted: number; error: string | null };

describe('a CLI run killed with SIGKILL', () => {
  it('reads as interrupted in `seg-studio runs`, and `seg-studio resume` finishes it from the recorded epochs', async () => {
    const out = join(work, 'killed');
    // Many epochs, so the kill lands mid-run; resume then asks for two more than were recorded.
    const t = startTrain(out, 40);
    const runId = await waitFor('an epoch recorded', (d) =>
      d.prepare('SELECT run_id FROM epoch_metrics ORDER BY epoch LIMIT 1').pluck().get() as number | undefined,
    );
    t.child.kill('SIGKILL');
    expect(await t.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The file still says `running`: nobody but a reader can notice the owner is gone.
    const raw = new Database(db, { readonly: true });
    const before = raw.prepare('SELECT status, worker_pid, owner_host, owner_start FROM runs WHERE id = ?').get(runId) as Record<string, unknown>;
    const recorded = raw.prepare('SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').all(runId) as Array<Record<string, unknown>>;
    raw.close();
    expect(before).toMatchObject({ status: 'running', worker_pid: t.child.pid });
    expect(before.owner_start).toMatch(/\/\d+$/);
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    expect(recorded.map((m) => m.epoch)).toEqual(recorded.map((_, i) => i + 1));

    const listed = (await cli(['runs'])).json as RunRow[];
    const row = listed.find((r) => r.id === runId)!;
    expect(row.status).toBe('interrupted');
    expect(row.error).toContain(`pid ${t.child.pid}) is gone`);

    // Checkpoint `last` is written before the epoch is committed, so it may be one epoch ahead.
    const target = row.epochsCompleted + 2;
    const r = await cliWatchingChildren(['resume', String(runId), '--epochs', String(target)]);
    expect(r.json).toMatchObject({ id: runId, status: 'completed', epochs: target });
    // It trained in its own process: no training worker (nor app, nor server) was started.
    expect(r.children.filter((c) => /train-worker|serve|electron/.test(c))).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`resuming run ${runId} .*from ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/last`));

    const check = new Database(db, { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      const after = check.prepare('SELECT status, epochs_done, worker_pid, best_epoch, error FROM runs WHERE id = ?').get(runId);
      expect(after).toMatchObject({ status: 'completed', epochs_done: target, worker_pid: null, error: null });
      const metrics = check.prepare('SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').all(runId) as Array<Record<string, unknown>>;
      expect(metrics.map((m) => m.epoch)).toEqual(Array.from({ length: target }, (_, i) => i + 1));
      // The epochs recorded before the kill are the same rows, not retrained ones.
      expect(metrics.slice(0, recorded.length)).toEqual(recorded);
      // Nothing else claims the device once the run is done.
      expect(check.prepare('SELECT count(*) FROM device_claims').pluck().get()).toBe(0);
    } finally {
      check.close();
    }
  }, 180_000);
});

describe('a CLI train while another process holds the device', () => {
  it('waits, naming the run that holds it, and starts once that run gives it back', async () => {
    // This test process plays another studio process (the app, `serve`) training run `held`.
    const store = openStore(db);
    const config = parseRunConfig({ data: fixture, backend: 'cpu' });
    const held = store.runs.create(config, { name: 'held by the test', owner: currentOwner() });
    const device = deviceClaimKey(config);
    expect(store.deviceClaims.claim(device, held, currentOwner())).toEqual({ acquired: true });
    store.runs.markRunning(held, { backend: 'cpu', device: 'cpu', owner: currentOwner() });
    try {
      const t = startTrain(join(work, 'waiting'), 1);
      await waitFor('the waiting message', () => (/waiting: device/.test(t.stderr()) ? true : undefined));
      expect(t.stderr()).toContain(`waiting: device ${device} is in use by run ${held} "held by the test" (pid ${process.pid}`);
      const waiting = store.runs.list().find((r) => r.id !== held && r.name.startsWith('cli:'))!;
      // It is recorded, owned by the live CLI, and has not started.
      expect(waiting).toMatchObject({ status: 'queued', startedAt: null });
      await new Promise((r) => setTimeout(r, 1000));
      expect(store.runs.status(waiting.id)).toBe('queued');
      expect(t.child.exitCode).toBeNull();

      store.runs.finish(held, { testDice: null });
      expect(store.deviceClaims.release(device, held, currentOwner())).toBe(true);
      const done = await t.exited;
      expect(done, t.stderr()).toEqual({ code: 0, signal: null });
      expect(store.runs.get(waiting.id)).toMatchObject({ status: 'completed', epochsDone: 1 });
      expect(store.deviceClaims.get(device)).toBeUndefined();
    } finally {
      store.close();
    }
  }, 120_000);
});
