// seg-studio simulate-labeling on the fixture, as a user runs it: the JSON curve (label counts
// growing by --step, test Dice per round, the curve's area recomputed here), the start set being
// the same for both strategies, and the uncertainty strategy's picks recomputed from the kept
// round-1 checkpoint with an independent TensorFlow.js loader on its CPU backend.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/engine/data/decode';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import { importDataset } from '../src/engine/data/import-dataset';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'seg-simulate-'));
const lines = (f: string) => readFileSync(join(fixture, 'annotations', f), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' ')[0]!);
const trainval = new Set(lines('trainval.txt'));

interface Sim {
  strategy: string;
  curve: Array<{ labels: number; testDice: number }>;
  rounds: Array<{ labels: number; added: string[]; epochs: number; trainSeconds: number; pickedMeanPq?: number }>;
  normalizedArea: number;
  testImages: number;
  poolSize: number;
}

async function simulate(strategy: string, extra: string[] = []): Promise<Sim> {
  const args = [bin, 'simulate-labeling', '--data', fixture, '--start', '4', '--step', '4', '--until', '8', '--strategy', strategy, '--minutes-per-round', '0.005', '--seed', '5', '--json', ...extra];
  const res = await run(process.execPath, args, { cwd: root, maxBuffer: 16 << 20, timeout: 300_000 });
  const out = res.stdout.trim().split('\n');
  return JSON.parse(out[out.length - 1]!) as Sim;
}

describe('seg-studio simulate-labeling', () => {
  it('prints test Dice against label counts; uncertainty picks the pool photos the last model is least sure of', async () => {
    const keep = join(work, 'runs');
    const [u, r] = await Promise.all([simulate('uncertainty', ['--keep-runs', keep]), simulate('random')]);
    for (const sim of [u, r]) {
      expect(sim.curve.map((c) => c.labels)).toEqual([4, 8]);
      expect(sim.testImages).toBe(lines('test.txt').length);
      for (const c of sim.curve) expect(c.testDice).toBeGreaterThanOrEqual(0), expect(c.testDice).toBeLessThanOrEqual(1);
      // Trapezoid over [4, 8], divided by the range.
      expect(sim.normalizedArea).toBeCloseTo((sim.curve[0]!.testDice + sim.curve[1]!.testDice) / 2, 10);
      const all = sim.rounds.flatMap((x) => x.added);
      expect(new Set(all).size).toBe(8);
      for (const id of all) expect(trainval.has(id), id).toBe(true);
    }
    // Same seed: the same start set for both strategies.
    expect([...u.rounds[0]!.added].sort()).toEqual([...r.rounds[0]!.added].sort());

    // The round-1 model of the uncertainty run, scored here on the hidden pool by tfjs' own loader.
    // The pool: the training split (as the run drew it with seed 5) less the start set.
    const split = await importDataset(fixture, { seed: 5 });
    const revealed = new Set(u.rounds[0]!.added);
    const pool = split.samples.filter((s) => s.maskPath && s.split === 'train' && !revealed.has(s.id)).map((s) => s.id);
    expect(pool.length).toBe(u.poolSize - 4);
    const meta = JSON.parse(readFileSync(join(keep, 'uncertainty-s5-r1', 'best', 'checkpoint.json'), 'utf8'));
    const size = meta.config.size as number;
    const px = size * size;
    const x = new Float32Array(pool.length * px * 3);
    for (const [i, id] of pool.entries()) modelInputFromImage(await decodeImage(join(fixture, 'images', `${id}.jpg`)), size, x, i * px * 3);
    writeFileSync(join(work, 'x.f32'), Buffer.from(x.buffer));
    execFileSync(process.execPath, [join(root, 'tests/helpers/tfjs-predict.mjs'), join(keep, 'uncertainty-s5-r1', 'best'), join(work, 'x.f32'), String(pool.length), String(size), join(work, 'y.f32')]);
    const raw = readFileSync(join(work, 'y.f32'));
    const y = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const scored = pool
      .map((id, i) => {
        let a = 0;
        for (let k = i * px; k < (i + 1) * px; k++) a += y[k]! * (1 - y[k]!);
        return { id, pq: a / px };
      })
      .sort((a, b) => b.pq - a.pq);
    const picked = u.rounds[1]!.added;
    expect([...picked].sort()).toEqual(scored.slice(0, 4).map((s) => s.id).sort());
    expect(scored.slice(0, 4).reduce((a, s) => a + s.pq, 0) / 4).toBeCloseTo(u.rounds[1]!.pickedMeanPq!, 4);
  }, 300_000);

  it('refuses counts the pool cannot hold, naming the numbers', async () => {
    const err = await simulate('random', ['--until', '40']).then(() => null, (e: Error & { stderr?: string }) => e);
    expect(err?.stderr ?? '').toContain('--until 40 is more than the 9 labeled training images');
  });
});
