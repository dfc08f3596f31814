// What an interactive run feeds its model (interactive-batches.ts) and that such a run trains,
// checkpoints and resumes through the ordinary training loop.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { interactiveInputs } from '../src/engine/interactive/interactive-batches';
import { buildModel } from '../src/engine/models/build-model';
import { parseRunConfig } from '../src/shared/run-config';
import { train } from '../src/engine/train/train';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import type { Batch } from '../src/engine/train/batches';

const S = 32;
const fixture = resolve(__dirname, 'fixtures', 'oxford-mini');

/** Two samples: random photo, object = the square [8,24)². */
function squareBatch(): Batch {
  const y = new Float32Array(2 * S * S);
  for (let i = 0; i < 2; i++) for (let r = 8; r < 24; r++) for (let c = 8; c < 24; c++) y[i * S * S + r * S + c] = 1;
  const x = new Float32Array(2 * S * S * 3).map((_, i) => Math.sin(i));
  return { x, y, ids: ['a', 'b'] };
}

function channel(x: Float32Array, sample: number, c: number): Float32Array {
  const out = new Float32Array(S * S);
  for (let p = 0; p < S * S; p++) out[p] = x[(sample * S * S + p) * 6 + c]!;
  return out;
}
const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

describe('interactive inputs', () => {
  it('with no correction rounds: one positive disk inside the object, RGB kept, no previous mask', async () => {
    const cfg = parseRunConfig({ data: 'x', size: S, interactive: { clickRadius: 2, maxIterations: 0 } });
    const inputs = interactiveInputs(cfg)!;
    expect(inputs.channels).toBe(6);
    const b = squareBatch();
    const model = buildModel({ model: 'unet', base: 4, size: S, inChannels: 6 });
    for (let k = 0; k < 5; k++) {
      const x = await inputs.trainInput(model, b, 0, k);
      for (let i = 0; i < 2; i++) {
        const pos = channel(x, i, 3);
        expect(sum(pos)).toBe(13); // radius-2 disk, wholly inside the object's inner part
        for (let p = 0; p < S * S; p++) if (pos[p]) expect(b.y[i * S * S + p]).toBe(1);
        expect(sum(channel(x, i, 4))).toBe(0);
        expect(sum(channel(x, i, 5))).toBe(0);
        expect(x[(i * S * S + 37) * 6 + 1]).toBeCloseTo(b.x[(i * S * S + 37) * 3 + 1]!, 6);
      }
    }
    model.dispose();
  });

  it('with correction rounds: the model\'s own answers give more clicks and a previous mask', async () => {
    const cfg = parseRunConfig({ data: 'x', size: S, interactive: { clickRadius: 2, maxIterations: 3 } });
    const inputs = interactiveInputs(cfg)!;
    const b = squareBatch();
    const model = buildModel({ model: 'unet', base: 4, size: S, inChannels: 6, seed: 1 });
    let moreClicks = 0, withPrev = 0;
    for (let k = 0; k < 6; k++) {
      const x = await inputs.trainInput(model, b, 0, k);
      for (let i = 0; i < 2; i++) {
        if (sum(channel(x, i, 3)) + sum(channel(x, i, 4)) > 13) moreClicks++;
        const prev = channel(x, i, 5);
        expect(prev.every((v) => v === 0 || v === 1)).toBe(true);
        if (sum(prev) > 0) withPrev++;
      }
    }
    expect(moreClicks).toBeGreaterThan(0);
    expect(withPrev).toBeGreaterThan(0);
    model.dispose();
  });

  it('evaluation: one click at the object\'s interior-most pixel, nothing else', () => {
    const inputs = interactiveInputs(parseRunConfig({ data: 'x', size: S, interactive: { clickRadius: 1 } }))!;
    const { x, channels } = inputs.evalInput(squareBatch());
    expect(channels).toBe(6);
    const pos = channel(x, 0, 3);
    // Square [8,24)²: distance 8 at pixels 15..16 in both axes; first in row-major order (15, 15).
    expect(sum(pos)).toBe(5);
    expect(pos[15 * S + 15]).toBe(1);
    expect(pos[14 * S + 15]).toBe(1);
    expect(pos[16 * S + 16]).toBe(0);
    expect(sum(channel(x, 0, 5))).toBe(0);
  });

  it('a plain run has no interactive inputs', () => {
    expect(interactiveInputs(parseRunConfig({ data: 'x' }))).toBeUndefined();
  });
});

describe('interactive run in the training loop', () => {
  it('trains, checkpoints a 6-channel model, resumes, and refuses to resume it as a plain run', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'seg-itrain-'));
    const config = parseRunConfig({ data: fixture, model: 'unet', base: 4, size: S, epochs: 1, batchSize: 4, seed: 5, interactive: {} });
    const first = await train({ config, outDir });
    expect(first.epochsCompleted).toBe(1);
    const again = await train({ config: { ...config, epochs: 2 }, outDir, resumeFrom: join(outDir, 'last') });
    expect(again.epochsCompleted).toBe(2);
    const ck = await loadCheckpoint(join(outDir, 'last'));
    expect(ck.model.inputs[0]!.shape).toEqual([null, S, S, 6]);
    expect(ck.meta.config.interactive).toEqual({ enabled: true, clickRadius: 5, maxIterations: 3 });
    ck.model.dispose();
    const { interactive: _dropped, ...plain } = config;
    await expect(train({ config: { ...plain, epochs: 3 }, outDir, resumeFrom: join(outDir, 'last') })).rejects.toThrow(/takes 6 input channels; this run is not interactive/);
  }, 120_000);
});
