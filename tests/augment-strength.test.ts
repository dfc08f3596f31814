// Augmentation strength (src/shared/augment-strength.ts): the scaled settings written out by hand
// from the reference pipeline's numbers, the pipeline applying each stage as often as the scaled
// probability says (counted over 4000 samples), and the two ways in: `train --augment-strength`
// and a sweep grid's `augment=off,1,1.5`.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args';
import { configFromFlags, trainFlags } from '../src/cli/commands/train';
import { augmentSample } from '../src/engine/augment';
import { Rng } from '../src/engine/util/rng';
import { scaleAugment } from '../src/shared/augment-strength';
import { augmentConfigSchema, parseRunConfig } from '../src/shared/run-config';
import { describeSettings, expandGrid, formatGrid, parseGrid } from '../src/shared/sweep-grid';
import { syntheticSample } from './augment-helpers';

const reference = augmentConfigSchema.parse({});

describe('augmentation strength', () => {
  it('scales probabilities and ranges from the reference settings, and 1 changes nothing', () => {
    expect(scaleAugment(reference, 1)).toBe(reference);
    // Reference: crop 0.8–1 or rotate ±30° at p .5; flips p .5; brightness/contrast ±0.2 or
    // gamma 80–120 at p .3; noise variance 10–50 or blur 3–7 at p .2.
    const s15 = scaleAugment(reference, 1.5);
    expect(s15.enabled).toBe(true);
    expect(s15.geometric).toEqual({ p: 0.75, cropScaleMin: expect.closeTo(0.7, 12), cropScaleMax: 1, rotateLimit: 45 });
    expect(s15.flip.p).toBe(0.75);
    expect(s15.color).toEqual({ p: expect.closeTo(0.45, 12), brightnessLimit: expect.closeTo(0.3, 12), contrastLimit: expect.closeTo(0.3, 12), gammaMin: 70, gammaMax: 130 });
    expect(s15.noise).toEqual({ p: expect.closeTo(0.3, 12), noiseVarMin: 15, noiseVarMax: 75, blurMin: 3, blurMax: 11 });
    // Probabilities stop at 1; the crop and the rotation at what their settings allow.
    const s3 = scaleAugment(reference, 3);
    expect([s3.geometric.p, s3.flip.p, s3.color.p]).toEqual([1, 1, expect.closeTo(0.9, 12)]);
    expect(s3.geometric.cropScaleMin).toBeCloseTo(0.4, 12);
    expect(scaleAugment({ ...reference, geometric: { ...reference.geometric, cropScaleMin: 0.5, rotateLimit: 90 } }, 3).geometric).toMatchObject({ cropScaleMin: 0.08, rotateLimit: 180 });
    // Weaker than the reference.
    const half = scaleAugment(reference, 0.5);
    expect(half.geometric).toMatchObject({ p: 0.25, cropScaleMin: 0.9, rotateLimit: 15 });
    expect([half.color.gammaMin, half.color.gammaMax, half.noise.blurMin, half.noise.blurMax]).toEqual([90, 110, 3, 3]);
    for (const bad of [0, -1, 3.5, Number.NaN]) expect(() => scaleAugment(reference, bad)).toThrow(/strength must be greater than 0 and at most 3/);
  });

  it('makes the pipeline apply each stage as often as the scaled probability says', () => {
    const { image, mask } = syntheticSample(32, 32);
    const count = (cfg: typeof reference) => {
      const root = new Rng(7);
      const n: Record<string, number> = {};
      for (let i = 0; i < 4000; i++) for (const a of augmentSample(image, mask, cfg, root.fork(i), 32).applied) n[a] = (n[a] ?? 0) + 1;
      const share = (...names: string[]) => names.reduce((t, k) => t + (n[k] ?? 0), 0) / 4000;
      return { geometric: share('RandomResizedCrop', 'Rotate'), flip: share('HorizontalFlip', 'VerticalFlip'), color: share('RandomBrightnessContrast', 'RandomGamma'), noise: share('GaussNoise', 'GaussianBlur') };
    };
    // 4000 draws: the standard error of a share near .5 is 0.008, so 0.03 is almost 4 of them.
    const ref = count(reference);
    const strong = count(scaleAugment(reference, 1.8));
    expect(ref.geometric).toBeCloseTo(0.5, 1);
    expect(Math.abs(strong.geometric - 0.9)).toBeLessThan(0.03);
    expect(Math.abs(strong.flip - 0.9)).toBeLessThan(0.03);
    expect(Math.abs(strong.color - 0.54)).toBeLessThan(0.03);
    expect(Math.abs(strong.noise - 0.36)).toBeLessThan(0.03);
    expect(Math.abs(ref.noise - 0.2)).toBeLessThan(0.03);
  });

  it('is set by train --augment-strength on top of the preset, and refused with --no-augment', () => {
    const flags = (argv: string[]) => configFromFlags(parseArgs(argv, trainFlags).flags);
    const c = parseRunConfig(flags(['--preset', 'cpu-quick', '--data', 'x', '--augment-strength', '2']));
    expect(c.augment).toEqual(scaleAugment(reference, 2));
    expect(c.augment.geometric.rotateLimit).toBe(60);
    expect(parseRunConfig(flags(['--data', 'x'])).augment).toEqual(reference);
    expect(() => flags(['--data', 'x', '--no-augment', '--augment-strength', '2'])).toThrow(/contradict/);
    expect(() => flags(['--data', 'x', '--augment-strength', '4'])).toThrow(/--augment-strength: augmentation strength must be greater than 0 and at most 3 \(got 4\)/);
  });

  it('is swept by a grid as augment=off,1,1.5, each run storing its concrete settings', () => {
    const grid = parseGrid('augment=off,1,1.5;size=64');
    expect(grid.augment).toEqual([false, 1, 1.5]);
    expect(formatGrid(grid)).toBe('augment=off,1,1.5;size=64');
    const plans = expandGrid({ data: 'x', base: 8 }, grid);
    expect(plans.map((p) => describeSettings(p.settings))).toEqual(['augment=off size=64', 'augment=1 size=64', 'augment=1.5 size=64']);
    expect(plans[0]!.config.augment.enabled).toBe(false);
    expect(plans[1]!.config.augment).toEqual(reference);
    expect(plans[2]!.config.augment).toEqual(scaleAugment(reference, 1.5));
    expect(() => parseGrid('augment=5')).toThrow(/strength must be greater than 0 and at most 3 \(got 5\)/);
    expect(() => parseGrid('augment=lots')).toThrow(/"lots" is not on, off or a strength/);
    // on/off keep working as before.
    expect(parseGrid('augment=on,off').augment).toEqual([true, false]);
  });
});
