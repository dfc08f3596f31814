// The run form's time budget field: empty by default (no budget, and no error), a number becomes
// the config's `minutes`, a bad one is named by the schema.
import { describe, expect, it } from 'vitest';
import { runConfigSchema } from '../src/shared/run-config';
import { DEFAULT_AUGMENT } from '../src/renderer/src/pages/augment/augment-state';
import { initialValues, toConfig } from '../src/renderer/src/pages/runs/run-form-state';
import { estimatedRunSeconds } from '../src/renderer/src/pages/runs/default-preset';

describe('run form: time budget', () => {
  it('is optional, and a number of minutes reaches the config', () => {
    const v = initialValues('/data/pets', DEFAULT_AUGMENT);
    expect(v.numbers.minutes).toBe('');
    const plain = runConfigSchema.safeParse(toConfig(v));
    expect(plain.success && plain.data.minutes).toBe(undefined);

    const budget = runConfigSchema.parse(toConfig({ ...v, numbers: { ...v.numbers, minutes: '2.5' } }));
    expect(budget.minutes).toBe(2.5);

    const bad = runConfigSchema.safeParse(toConfig({ ...v, numbers: { ...v.numbers, minutes: '0' } }));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['minutes: must be greater than 0']);
  });

  it('counts a budget run as its budget when its epochs would take longer (the default preset’s estimate)', () => {
    // 10000 epochs of 7 s would be 70000 s; a 10-minute budget stops it at 600 s.
    expect(estimatedRunSeconds(7, 10000, '10')).toBe(600);
    // 30 epochs of 7 s fit in 10 minutes: 210 s.
    expect(estimatedRunSeconds(7, 30, '10')).toBe(210);
    expect(estimatedRunSeconds(7, 30, '')).toBe(210);
    expect(estimatedRunSeconds(7, 30, ' ')).toBe(210);
  });
});
