// The time-budget presets (cpu-10min, cpu-30min): the CLI takes their minutes unless --minutes
// overrides them, the budget decides the epochs, and the run form shows and recognises them.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args';
import { configFromFlags, trainFlags } from '../src/cli/commands/train';
import { MAX_EPOCHS, parseRunConfig, RUN_PRESETS } from '../src/shared/run-config';
import { DEFAULT_AUGMENT } from '../src/renderer/src/pages/augment/augment-state';
import { activePreset, applyPreset, initialValues, toConfig } from '../src/renderer/src/pages/runs/run-form-state';

const flags = (argv: string[]) => parseRunConfig(configFromFlags(parseArgs(argv, trainFlags).flags));
const presets = Object.entries(RUN_PRESETS).map(([name, p]) => ({ name, config: p.config }));

describe('time-budget presets', () => {
  it('bring their budget to train: the epochs are the budget’s to plan; --minutes and --epochs override', () => {
    const ten = flags(['--preset', 'cpu-10min', '--data', 'x']);
    expect(ten).toMatchObject({ minutes: 10, epochs: MAX_EPOCHS, model: 'unet', base: 16, size: 128 });
    expect(flags(['--preset', 'cpu-30min', '--data', 'x']).minutes).toBe(30);
    expect(flags(['--preset', 'cpu-10min', '--data', 'x', '--minutes', '2.5']).minutes).toBe(2.5);
    expect(flags(['--preset', 'cpu-10min', '--data', 'x', '--epochs', '40']).epochs).toBe(40);
    // A preset without a budget still has none.
    expect(flags(['--preset', 'cpu-quick', '--data', 'x']).minutes).toBeUndefined();
  });

  it('fill the run form’s budget, and the form knows which one it holds', () => {
    const start = initialValues('/data/pets', DEFAULT_AUGMENT);
    const ten = applyPreset(start, RUN_PRESETS['cpu-10min']!.config);
    expect(ten.numbers.minutes).toBe('10');
    expect(parseRunConfig(toConfig(ten))).toMatchObject({ minutes: 10, epochs: MAX_EPOCHS });
    expect(activePreset(ten, presets)).toBe('cpu-10min');
    expect(activePreset(applyPreset(ten, RUN_PRESETS['cpu-30min']!.config), presets)).toBe('cpu-30min');
    // Another preset clears the budget again.
    const quick = applyPreset(ten, RUN_PRESETS['cpu-quick']!.config);
    expect(quick.numbers.minutes).toBe('');
    expect(parseRunConfig(toConfig(quick)).minutes).toBeUndefined();
    // A changed budget is no longer the preset.
    expect(activePreset({ ...ten, numbers: { ...ten.numbers, minutes: '12' } }, presets)).toBeNull();
  });
});
