// The run form's time budget field: empty by default (no budget, and no error), a number becomes
// the config's `minutes`, a bad one is named by the schema.
import { describe, expect, it } from 'vitest';
import { runConfigSchema } from '../src/shared/run-config';
import { DEFAULT_AUGMENT } from '../src/renderer/src/pages/augment/augment-state';
import { initialValues, toConfig } from '../src/renderer/src/pages/runs/run-form-state';

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
});
