// `seg-studio train --minutes M --warmup-epochs 2`: a real tiny training to a 9-second budget. The
// run warms up for two epochs, measures the second, plans how many epochs fit, anneals the cosine
// schedule over exactly the epochs after the warm-up,
// ends inside the budget (give or take one epoch), and the run record and the checkpoint say how
// many epochs were planned. The record is read straight from the SQLite file and the checkpoint
// JSON, the learning rates are checked against the cosine formula written out here.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TimeBudget, type BudgetPlan } from '../src/engine/train/time-budget';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'seg-budget-'));

const MINUTES = 0.15;
const WARMUP = 2;
const LR0 = 3e-3; // the cpu-tiny preset's rate; the floor is the default minLearningRate, 0

describe('train --minutes', () => {
  it('plans the epochs after the warm-up, anneals over the rest and ends inside the budget', async () => {
    const db = join(work, 'studio.db');
    const out = join(work, 'run');
    const t0 = performance.now();
    const r = await run(
      process.execPath,
      [join(root, 'bin', 'seg-studio.mjs'), 'train', '--preset', 'cpu-tiny', '--data', fixture, '--minutes', String(MINUTES), '--warmup-epochs', String(WARMUP), '--out', out, '--db', db, '--json'],
      { cwd: root, env: { ...process.env, SEG_STUDIO_DEBUG: '' }, timeout: 120_000, maxBuffer: 64 << 20 },
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      epochs: number;
      seconds: number;
      budget: BudgetPlan & { minutes: number; stoppedEarly: boolean };
    };
    const b = res.budget;
    const planned = b.epochs;
    expect(b.minutes).toBe(MINUTES);
    expect(b.budgetSeconds).toBeCloseTo(MINUTES * 60, 9);
    // The plan: the two warm-up epochs, then as many more of the second one's length, each with
    // its checkpoint writes (timed after the first epoch), as fit in what the start-up, the
    // warm-up, the second epoch's own writes and the test reserve left. The preset's 10 epochs do
    // not cap it: without --epochs the budget alone decides.
    expect(b.measuredAfterEpochs).toBe(WARMUP);
    expect(b.elapsedSeconds).toBeGreaterThan(b.measuredEpochSeconds);
    expect(b.checkpointSeconds).toBeGreaterThan(0); // the first epoch wrote `best` and `last`
    const cycle = b.measuredEpochSeconds + b.checkpointSeconds;
    expect(planned).toBe(Math.max(WARMUP, WARMUP + Math.floor((b.budgetSeconds - b.elapsedSeconds - b.checkpointSeconds - b.testReserveSeconds) / cycle)));
    expect(r.stderr).toMatch(new RegExp(`\\+ ${b.checkpointSeconds.toFixed(1)} s writing checkpoints`));
    // On an unloaded machine an epoch of this tiny model takes ~1–2 s: several more fit.
    if (b.measuredEpochSeconds < 2) expect(planned).toBeGreaterThanOrEqual(WARMUP + 1);

    // The run trains the planned epochs, unless the machine got slower after the plan (the other
    // test fork training on the second core, in CI): then it stops before an epoch that would
    // overrun, says so, and keeps the plan's schedule for the epochs it did train.
    const trained = res.epochs;
    if (b.stoppedEarly) {
      expect(trained).toBeGreaterThanOrEqual(WARMUP);
      expect(trained).toBeLessThan(planned);
      expect(r.stderr).toMatch(new RegExp(`stopped after ${trained} of ${planned} planned epochs`));
    } else {
      expect(trained).toBe(planned);
      expect(r.stderr).not.toMatch(/stopped after/);
    }
    expect(r.stderr).toMatch(new RegExp(`planned ${planned} epochs?\\b`));

    // The record, read with plain SQL: planned epochs as the run's epochs, the budget kept.
    const conn = new Database(db, { readonly: true });
    const row = conn.prepare('SELECT id, status, epochs_done, config_json FROM runs').get() as { id: number; status: string; epochs_done: number; config_json: string };
    const rates = conn.prepare('SELECT epoch, learning_rate, seconds FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').all(row.id) as Array<{
      epoch: number;
      learning_rate: number;
      seconds: number;
    }>;
    conn.close();
    const stored = JSON.parse(row.config_json) as { epochs: number; minutes: number };
    expect(row.status).toBe('completed');
    expect(stored.epochs).toBe(planned);
    expect(stored.minutes).toBe(MINUTES);
    expect(row.epochs_done).toBe(trained);

    // The warm-up: a straight line from lr0/10 (epoch e < W at lr0·(0.1 + 0.9·e/W)). Then cosine
    // annealing with T_max = the epochs after it (PyTorch's CosineAnnealingLR stepped per epoch):
    // epoch W + k trains at lr0·(1 + cos(π·k/T))/2, so the last epoch's step lands the rate on its
    // floor exactly when the budget's epochs are done.
    expect(rates.map((x) => x.epoch)).toEqual(Array.from({ length: trained }, (_, i) => i + 1));
    const T = planned - WARMUP;
    for (const x of rates) {
      const e = x.epoch - 1;
      const want = e < WARMUP ? LR0 * (0.1 + (0.9 * e) / WARMUP) : (LR0 * (1 + Math.cos((Math.PI * (e - WARMUP)) / T))) / 2;
      expect(x.learning_rate).toBeCloseTo(want, 12);
    }
    // The plan was measured on the warm-up's last epoch, not the first (the slow one).
    expect(rates[WARMUP - 1]!.seconds).toBeCloseTo(b.measuredEpochSeconds, 3);
    expect(rates[0]!.learning_rate).toBeCloseTo(LR0 / 10, 12);
    expect(rates[1]!.learning_rate).toBeCloseTo(LR0 * 0.55, 12);
    if (trained > WARMUP) expect(rates[WARMUP]!.learning_rate).toBeCloseTo(LR0, 12);
    // (A machine so slow that the warm-up spent the budget plans no cosine epochs: T = 0.)
    if (T > 0) expect((LR0 * (1 + Math.cos((Math.PI * T) / T))) / 2).toBeCloseTo(0, 15);

    // The resumable checkpoint carries the plan, so `train --resume RUN/last` continues it.
    const meta = JSON.parse(readFileSync(join(out, 'last', 'checkpoint.json'), 'utf8')) as { epoch: number; config: { epochs: number; minutes: number } };
    expect(meta.config).toMatchObject({ epochs: planned, minutes: MINUTES });
    expect(meta.epoch).toBe(trained);

    // Inside the budget, give or take one epoch (timed from the command's start, and as a whole process).
    const slowestEpoch = Math.max(...rates.map((x) => x.seconds));
    expect(res.seconds).toBeLessThanOrEqual(MINUTES * 60 + slowestEpoch);
    expect(wallSeconds).toBeLessThanOrEqual(MINUTES * 60 + slowestEpoch + 3);
  });

  it('refuses a budget on a resumed run, and a budget that is not a positive number', async () => {
    const cli = (args: string[]) => run(process.execPath, [join(root, 'bin', 'seg-studio.mjs'), 'train', ...args], { cwd: root, timeout: 60_000 });
    await expect(cli(['--resume', join(work, 'run', 'last'), '--minutes', '1', '--no-record'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--minutes plans a new run/),
    });
    await expect(cli(['--data', fixture, '--minutes', '0', '--no-record'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/minutes: must be greater than 0/),
    });
  });

  it('plans at least one epoch and at most the cap, and stops a run whose next epoch would overrun', () => {
    const budget = new TimeBudget(1, 1000); // 60 s from t = 1 s
    // 10 s in (2 s start-up + an 8 s first epoch), 4 s kept for the test: (60 − 10 − 4) / 8 → 5 more.
    expect(budget.plan({ nowMs: 11_000, epochSeconds: 8, checkpointSeconds: 0, epochsDone: 1, testReserveSeconds: 4, maxEpochs: 100 })).toMatchObject({ epochs: 6, elapsedSeconds: 10 });
    expect(budget.plan({ nowMs: 11_000, epochSeconds: 8, checkpointSeconds: 0, epochsDone: 1, testReserveSeconds: 4, maxEpochs: 3 }).epochs).toBe(3);
    // A first epoch longer than the whole budget still counts: one epoch.
    expect(budget.plan({ nowMs: 91_000, epochSeconds: 90, checkpointSeconds: 0, epochsDone: 1, testReserveSeconds: 4, maxEpochs: 100 }).epochs).toBe(1);
    // After a 2-epoch warm-up (10 s start-up, a 9 s and a 6 s epoch: 25 s in), the steady 6 s epoch
    // plans: 2 + (60 − 25 − 4) / 6 → 2 + 5. From the 9 s first epoch it would have been 1 + 4.
    expect(budget.plan({ nowMs: 26_000, epochSeconds: 6, checkpointSeconds: 0, epochsDone: 2, testReserveSeconds: 4, maxEpochs: 100 })).toMatchObject({ epochs: 7, measuredAfterEpochs: 2 });
    // The same with 1 s of checkpoint writes after each epoch: the second epoch's own writes are
    // still to come (60 − 25 − 1 − 4 = 30 s left), and each further epoch costs 6 + 1 s → 2 + 4.
    // Counting the epoch alone would plan 7 and overrun by 6 s of writes.
    expect(budget.plan({ nowMs: 26_000, epochSeconds: 6, checkpointSeconds: 1, epochsDone: 2, testReserveSeconds: 4, maxEpochs: 100 })).toMatchObject({ epochs: 6, checkpointSeconds: 1 });
    // A warm-up that already spent the budget keeps the epochs done.
    expect(budget.plan({ nowMs: 70_000, epochSeconds: 30, checkpointSeconds: 0, epochsDone: 2, testReserveSeconds: 4, maxEpochs: 100 }).epochs).toBe(2);
    // 49 s in, 8 s epochs, 4 s test: the next epoch and the test would end at 61 s > 60 s; 48 s in, exactly at 60 s.
    expect(budget.fits({ nowMs: 50_000, epochSeconds: 8, testReserveSeconds: 4 })).toBe(false);
    expect(budget.fits({ nowMs: 49_000, epochSeconds: 8, testReserveSeconds: 4 })).toBe(true);
    expect(() => new TimeBudget(0, 0)).toThrow(/positive number of minutes/);
  });
});
