// `train --weight-decay X --bce-weight X --dice-weight X` (and --wd) reach the run config, a
// loss with both weights 0 is refused by name, sweep grids take the same names, and a sweep
// winner's train line carries them (read back through train's own parser).
import { describe, expect, it } from 'vitest';

import { parseArgs } from '../src/cli/args';
import { configFromFlags, trainFlags } from '../src/cli/commands/train';
import { trainCommandFor } from '../src/services/sweeps-service';
import type { StoredSweep } from '../src/services/store-types';
import { parseGrid } from '../src/shared/sweep-grid';
import { parseRunConfig } from '../src/shared/run-config';

const fromArgv = (argv: string[]) => parseRunConfig(configFromFlags(parseArgs(argv, trainFlags).flags));

describe('weight decay and loss weight flags', () => {
  it('train flags set weightDecay, bceWeight and diceWeight; without them the reference recipe', () => {
    const c = fromArgv(['--data', 'sample', '--weight-decay', '0.01', '--bce-weight', '0.5', '--dice-weight', '2']);
    expect([c.weightDecay, c.bceWeight, c.diceWeight]).toEqual([0.01, 0.5, 2]);
    expect(fromArgv(['--data', 'sample', '--wd', '1e-4']).weightDecay).toBe(1e-4);
    const d = fromArgv(['--data', 'sample', '--preset', 'cpu-quick']);
    expect([d.weightDecay, d.bceWeight, d.diceWeight]).toEqual([0, 1, 1]);
  });

  it('bad values are refused naming the field', () => {
    expect(() => fromArgv(['--data', 'sample', '--bce-weight', '0', '--dice-weight', '0'])).toThrow(/bceWeight, diceWeight: at least one must be greater than 0/);
    expect(() => fromArgv(['--data', 'sample', '--weight-decay', '-0.1'])).toThrow(/weightDecay: must be at least 0/);
    expect(() => fromArgv(['--data', 'sample', '--dice-weight', 'x'])).toThrow(/dice-weight/);
  });

  it('sweep grids accept bce-weight, dice-weight and wd, and the winner line carries them', () => {
    const grid = parseGrid('bce-weight=0.5,1;dice-weight=1,2;wd=0,1e-4');
    expect(grid).toEqual({ bceWeight: [0.5, 1], diceWeight: [1, 2], weightDecay: [0, 1e-4] });
    const config = parseRunConfig({ data: 'sample', bceWeight: 0.5, diceWeight: 2, weightDecay: 1e-4, epochs: 7 });
    const sweep: StoredSweep = { id: 1, name: 's', baseConfig: {}, grid, minutesEach: null, createdAt: '', finishedAt: null, configurations: [] };
    const line = trainCommandFor(config, sweep);
    expect(line).toContain('--weight-decay 0.0001');
    expect(line).toContain('--bce-weight 0.5');
    expect(line).toContain('--dice-weight 2');
    expect(line).not.toContain('#'); // no setting left for the run form
    expect(fromArgv(line.split(' ').slice(2))).toEqual(config);
  });
});
