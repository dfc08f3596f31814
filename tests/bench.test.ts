// Smoke test of the bench: the smallest configuration for a couple of steps on the native
// backend (or the reference cpu backend when SEG_STUDIO_SKIP_NATIVE=1), checking the shape of
// the result and that every number is finite and plausible.
import { describe, expect, it } from 'vitest';

import { runBench } from '../src/engine/bench/bench';
import { BENCH_CONFIGS, selectConfigs } from '../src/engine/bench/configs';
import { median } from '../src/engine/bench/measure';

const backend = process.env.SEG_STUDIO_SKIP_NATIVE === '1' ? 'cpu' : 'native';

describe('bench', () => {
  it('knows the four reference configurations and rejects unknown names', () => {
    expect(BENCH_CONFIGS.map((c) => c.name)).toEqual(['unet-b64-s256', 'resnet34unet-s256', 'unet-b16-s128', 'unet-b8-s64']);
    expect(BENCH_CONFIGS.every((c) => c.batch === 4)).toBe(true);
    expect(() => selectConfigs(['nope'])).toThrow(/unknown bench config/);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it(`measures unet-b8-s64 on ${backend}`, async () => {
    const lines: string[] = [];
    const results = await runBench({
      backends: [backend],
      only: ['unet-b8-s64'],
      steps: { warmup: 1, trainSteps: 2, inferSteps: 2 },
      onLine: (l) => lines.push(l),
    });
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ config: 'unet-b8-s64', model: 'unet', base: 8, size: 64, batch: 4, backend });
    for (const v of [r.trainStepMs, r.inferStepMs, r.trainImgPerSec, r.inferImgPerSec, r.peakRssMB, r.finalLoss]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(r.trainImgPerSec).toBeCloseTo((4 * 1000) / r.trainStepMs!, 6);
    expect(r.threads).toBeGreaterThanOrEqual(1);
    expect(r.tensorMemoryFlat).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('unet-b8-s64');
  });
});
