// `seg-studio sweep`: a real (tiny) sweep on the fixture, judged from the SQLite file read by
// Python's sqlite3 (not the studio's store): every configuration is an ordinary run with its
// epochs in the metrics table, the ranking follows the best valid Dice found there, and the
// winner's command line, read by `train`'s own flag parser, trains the winner's settings. The
// sweep is killed with SIGKILL while its second configuration trains; `--resume` keeps the first
// run as it was, resumes the interrupted run (same run id) and goes on with the third.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args';
import { configFromFlags, trainFlags } from '../src/cli/commands/train';
import { expandGrid, parseGrid } from '../src/shared/sweep-grid';
import { parseRunConfig } from '../src/shared/run-config';
import { createStudioServices } from '../src/services/studio-services';
import type { Envelope, SweepDetail } from '../src/shared/contract';

const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'sweep-'));
const db = join(work, 'studio.db');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The CLI as a background process; resolves with its exit and output. */
function cli(args: string[], onStderr?: (all: string, child: ChildProcess) => void) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    onStderr?.(stderr, child);
  });
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((r) =>
    child.once('close', (code, signal) => r({ code, signal, stdout, stderr })),
  );
}

/** Rows of a query on the database file through Python's sqlite3 (shares no code with the studio). */
function sql<T>(query: string): T[] {
  const script = 'import json,sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.row_factory=sqlite3.Row\nprint(json.dumps([dict(r) for r in c.execute(sys.argv[2])]))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, db, query], { encoding: 'utf8' })) as T[];
}

describe('grids', () => {
  it('maps keys onto run-config fields, refuses unknown and unsweepable keys by name', () => {
    expect(parseGrid('size=128,160;lr=1e-3,2e-3')).toEqual({ size: [128, 160], learningRate: [0.001, 0.002] });
    expect(parseGrid('batch=4,8; base=8 ;augment=on,off;model=unet,resnet34_unet')).toEqual({
      batchSize: [4, 8],
      base: [8],
      augment: [true, false],
      model: ['unet', 'resnet34_unet'],
    });
    expect(() => parseGrid('foo=1,2')).toThrow(/unknown grid key "foo".*size.*learningRate/);
    expect(() => parseGrid('valFraction=0.1,0.2')).toThrow(/cannot be swept: it changes which photos are validation photos/);
    expect(() => parseGrid('size=128;size=160')).toThrow(/given twice/);
    expect(() => parseGrid('size')).toThrow(/not key=v1,v2/);
    const plans = expandGrid({ data: fixture }, parseGrid('size=64,96;lr=1e-3,2e-3;augment=off'), 2);
    expect(plans.map((p) => [p.config.size, p.config.learningRate, p.config.augment.enabled, p.config.minutes])).toEqual([
      [64, 0.001, false, 2],
      [64, 0.002, false, 2],
      [96, 0.001, false, 2],
      [96, 0.002, false, 2],
    ]);
    expect(() => expandGrid({ data: fixture }, parseGrid('size=64,100'))).toThrow(/configuration size=100: [^]*size: must be a multiple of 32/);
  });

  it('the CLI refuses an unknown grid key before recording anything', async () => {
    const res = await cli(['sweep', '--db', join(work, 'refused.db'), '--data', fixture, '--preset', 'cpu-tiny', '--grid', 'size=64;colour=1,2']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/unknown grid key "colour"/);
  }, 60_000);
});

describe('seg-studio sweep', () => {
  let sweepId: number;

  it('killed mid-sweep, resumes the interrupted run and goes on with the next configuration', async () => {
    // Three learning rates, one epoch each (a 1-second budget plans one epoch; --epochs caps it).
    const args = ['sweep', '--db', db, '--data', fixture, '--preset', 'cpu-tiny', '--minutes-each', '0.02', '--epochs', '1', '--grid', 'lr=3e-3,1e-2,3e-2;seed=5', '--json'];
    let killed = false;
    const first = await cli(args, (err, child) => {
      if (!killed && /configuration 2\/3 .*: run \d+/.test(err)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    sweepId = Number(/sweep (\d+) "/.exec(first.stderr)![1]);
    const before = sql<{ position: number; run_id: number | null }>(`SELECT position, run_id FROM sweep_configurations WHERE sweep_id = ${sweepId} ORDER BY position`);
    expect(before.map((c) => c.run_id === null)).toEqual([false, false, true]);
    const [run1, run2] = [before[0]!.run_id!, before[1]!.run_id!];
    const run1Before = sql<{ status: string; epochs_done: number }>(`SELECT status, epochs_done FROM runs WHERE id = ${run1}`)[0]!;
    expect(run1Before.status).toBe('completed');
    const epochRows1 = sql(`SELECT * FROM epoch_metrics WHERE run_id = ${run1} ORDER BY epoch`);

    const resumed = await cli(['sweep', '--db', db, '--resume', String(sweepId), '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`configuration 2/3 \\(learningRate=0.01 seed=5\\): resuming interrupted run ${run2}`));
    expect(resumed.stderr).not.toMatch(/configuration 1\/3/);
    expect(resumed.stderr).toMatch(/configuration 3\/3 \(learningRate=0.03 seed=5\): run \d+/);
    const after = sql<{ position: number; run_id: number }>(`SELECT position, run_id FROM sweep_configurations WHERE sweep_id = ${sweepId} ORDER BY position`);
    expect(after.slice(0, 2).map((c) => c.run_id)).toEqual([run1, run2]);
    const runs = sql<{ id: number; status: string; config_json: string }>(`SELECT id, status, config_json FROM runs WHERE id IN (${after.map((c) => c.run_id).join(',')}) ORDER BY id`);
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    expect(runs.map((r) => JSON.parse(r.config_json).learningRate)).toEqual([3e-3, 1e-2, 3e-2]);
    // The first configuration was not trained again: the same epoch rows.
    expect(sql(`SELECT * FROM epoch_metrics WHERE run_id = ${run1} ORDER BY epoch`)).toEqual(epochRows1);
    expect(sql<{ finished_at: string | null }>(`SELECT finished_at FROM sweeps WHERE id = ${sweepId}`)[0]!.finished_at).not.toBeNull();
  }, 300_000);

  it('ranks the configurations by the best valid Dice in the metrics table; the winner line trains the winner', async () => {
    const res = await cli(['sweep', '--db', db, '--resume', String(sweepId), '--json']);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
      status: string;
      ranking: Array<{ rank: number; runId: number; bestValidDice: number; seconds: number; imagesPerSecond: number }>;
      winner: { runId: number; command: string };
    };
    expect(out.status).toBe('done');
    const best = sql<{ run_id: number; best: number; seconds: number }>(
      `SELECT m.run_id, max(m.valid_dice) AS best, sum(m.seconds) AS seconds FROM epoch_metrics m JOIN sweep_configurations c ON c.run_id = m.run_id WHERE c.sweep_id = ${sweepId} GROUP BY m.run_id`,
    );
    expect(best.length).toBe(3);
    const expected = [...best].sort((a, b) => b.best - a.best);
    expect(new Set(expected.map((b) => b.best)).size).toBe(3); // distinct, so the order is decided
    expect(out.ranking.map((r) => r.runId)).toEqual(expected.map((b) => b.run_id));
    expect(out.ranking.map((r) => r.rank)).toEqual([1, 2, 3]);
    for (const r of out.ranking) {
      const b = best.find((x) => x.run_id === r.runId)!;
      expect(r.bestValidDice).toBeCloseTo(b.best, 12);
      expect(r.seconds).toBeCloseTo(b.seconds, 9);
      expect(r.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(out.winner.runId).toBe(expected[0]!.run_id);
    // The winner's line through `train`'s own parser gives the winner's config (bar the epochs the budget planned).
    const argv = out.winner.command.split(' ').slice(2);
    expect(argv).toContain('--minutes');
    const fromLine = parseRunConfig(configFromFlags(parseArgs(argv, trainFlags).flags));
    const winner = JSON.parse(sql<{ config_json: string }>(`SELECT config_json FROM runs WHERE id = ${out.winner.runId}`)[0]!.config_json);
    const { epochs: _e1, ...lineRest } = fromLine;
    const { epochs: _e2, ...winnerRest } = parseRunConfig(winner);
    expect(lineRest).toEqual(winnerRest);
  }, 120_000);
});

describe('sweeps.start (the run form\'s "Try several")', () => {
  it('queues every configuration as a run, the device queue trains them in turn, and the ranking follows their valid Dice', async () => {
    const s = createStudioServices({ dbPath: join(work, 'app', 'studio.db'), recover: false });
    try {
      const call = async <T>(op: string, args: unknown) => (await s.dispatch('sweeps', op, args)) as Envelope<T>;
      const config = { data: fixture, model: 'unet', base: 8, size: 64, batchSize: 8, epochs: 1, seed: 5, maxTrainImages: 4, augment: { enabled: false } };
      // Refused before anything is recorded: a key that is not a setting, a folder outside the allowed roots.
      const bad = await call<SweepDetail>('start', { config, grid: 'size=64;colour=1,2' });
      expect(bad.ok ? null : bad.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/unknown grid key "colour"/) });
      const none = await call<unknown[]>('list', {});
      expect(none.ok && none.result).toEqual([]);

      const started = await call<SweepDetail>('start', { config, grid: 'lr=1e-3,3e-2' });
      if (!started.ok) throw new Error(started.error.message);
      expect(started.result.ranking.map((r) => r.status)).toEqual(['queued', 'queued']);
      await s.runs.whenIdle();
      const got = await call<SweepDetail>('get', { sweepId: started.result.id });
      if (!got.ok) throw new Error(got.error.message);
      expect(got.result.status).toBe('done');
      const runs = got.result.ranking.map((r) => s.store.runs.get(r.runId!)!);
      expect(runs.map((r) => r.status)).toEqual(['completed', 'completed']);
      const dice = runs.map((r) => Math.max(...s.store.runs.metrics(r.id).map((m) => m.validDice)));
      expect(dice[0]!).toBeGreaterThanOrEqual(dice[1]!);
      expect(got.result.winner!.runId).toBe(runs[0]!.id);
      expect(got.result.winner!.config.learningRate).toBe(runs[0]!.config.learningRate);
      // A done sweep has nothing to resume.
      const again = await call<SweepDetail>('resume', { sweepId: started.result.id });
      expect(again.ok ? null : again.error.code).toBe('CONFLICT');
    } finally {
      s.close();
    }
  }, 300_000);
});
