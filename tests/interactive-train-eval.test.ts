// A click-to-segment run end to end, as a user runs it: `seg-studio train --interactive` on the
// fixture, then `seg-studio eval-interactive` on its checkpoint. Checked against numbers the
// command did not produce itself: the IoU after one click equals D/(2−D) of the Dice that
// `seg-studio eval` (tfjs ops, another code path) reports per image for the same first click,
// and NoC is recounted here from the per-image IoU lists.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'seg-interactive-'));

async function cli(args: string[]) {
  const res = await run(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, SEG_STUDIO_DB: join(work, 'studio.db') }, maxBuffer: 64 << 20, timeout: 300_000 });
  const lines = res.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, any>;
}

/** Clicks to reach `thr` in `ious`, `cap` when never: written apart from engine/interactive/noc.ts. */
function noc(ious: number[], thr: number, cap: number): number {
  const k = ious.findIndex((v) => v >= thr);
  return k >= 0 && k < cap ? k + 1 : cap;
}

describe('interactive run through the CLI', () => {
  it('trains with --interactive and eval-interactive scores the checkpoint', async () => {
    const out = join(work, 'run');
    const t = await cli([
      'train', '--data', fixture, '--preset', 'cpu-tiny', '--epochs', '6', '--batch-size', '4', '--seed', '2',
      '--interactive', '--click-radius', '4', '--out', out, '--no-record', '--json',
    ]);
    expect(t.epochs).toBe(6);
    const meta = JSON.parse(readFileSync(join(out, 'best', 'checkpoint.json'), 'utf8'));
    expect(meta.config.interactive).toEqual({ enabled: true, clickRadius: 4, maxIterations: 3 });
    const modelJson = JSON.parse(readFileSync(join(out, 'best', 'model.json'), 'utf8'));
    expect(JSON.stringify(modelJson.modelTopology)).toContain('[null,64,64,6]');
    expect(existsSync(join(out, 'last', 'optimizer.bin'))).toBe(true);

    const maxClicks = 5;
    const e = await cli(['eval-interactive', '--checkpoint', join(out, 'best'), '--split', 'test', '--max-clicks', String(maxClicks), '--per-image', '--json']);
    for (const k of ['nocAt85', 'nocAt90', 'neverReached85', 'neverReached90', 'msPerClick', 'images']) expect(typeof e[k], k).toBe('number');
    expect(e.images).toBe(6);
    expect(e.iouAfterClicks).toHaveLength(5);
    expect(e.msPerClick).toBeGreaterThan(0);
    const per = e.perImage as Array<{ id: string; ious: number[] }>;
    expect(per).toHaveLength(6);
    const mean = (k: number) => per.reduce((s, p) => s + (p.ious[k] ?? p.ious[p.ious.length - 1]!), 0) / per.length;
    expect(e.iouAfterClicks[0]).toBeCloseTo(mean(0), 10);
    // Correction clicks help: the mean IoU after 3 clicks is above the IoU after 1.
    expect(e.iouAfterClicks[2]).toBeGreaterThan(e.iouAfterClicks[0]);
    expect(e.nocAt85).toBeCloseTo(per.reduce((s, p) => s + noc(p.ious, 0.85, maxClicks), 0) / per.length, 10);
    expect(e.nocAt90).toBeCloseTo(per.reduce((s, p) => s + noc(p.ious, 0.9, maxClicks), 0) / per.length, 10);
    const never = (thr: number) => per.filter((p) => !p.ious.slice(0, maxClicks).some((v) => v >= thr)).length;
    expect(e.neverReached85).toBe(never(0.85));
    expect(e.neverReached90).toBe(never(0.9));

    // `seg-studio eval` on the same checkpoint scores the same first click (its validation metric).
    const d = await cli(['eval', '--checkpoint', join(out, 'best'), '--split', 'test', '--no-tta', '--json']);
    const diceById = new Map((d.perImage as Array<{ id: string; dice: number }>).map((p) => [p.id, p.dice]));
    for (const p of per) {
      const dice = diceById.get(p.id)!;
      expect(p.ious[0], p.id).toBeCloseTo(dice / (2 - dice), 5);
    }
  }, 240_000);

  it('refuses a checkpoint that is not interactive, naming it', async () => {
    // The run's checkpoint with the interactive setting taken out of its metadata: a plain run's.
    const plain = join(work, 'plain');
    cpSync(join(work, 'run', 'best'), plain, { recursive: true });
    const meta = JSON.parse(readFileSync(join(plain, 'checkpoint.json'), 'utf8'));
    delete meta.config.interactive;
    writeFileSync(join(plain, 'checkpoint.json'), JSON.stringify(meta));
    const err = await cli(['eval-interactive', '--checkpoint', plain, '--json']).then(() => null, (e: Error & { stderr?: string }) => e);
    expect(err?.stderr ?? '').toContain(`${plain}: not an interactive run`);
  }, 120_000);
});
