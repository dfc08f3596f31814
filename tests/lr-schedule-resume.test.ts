// The learning rate of each epoch when a finished cosine run is resumed for more epochs, in both
// modes the run page offers. Expected values are written out from the closed form
// lr = lrMin + (lr0 − lrMin)·(1 + cos(π·t/T))/2 with the cosines as literals, so they do not
// come from the code under test.
import { describe, expect, it } from 'vitest';
import { resumedScheduleStart, scheduledLr, type ScheduleConfig } from '../src/engine/train/lr-schedule';
import { runConfigSchema } from '../src/shared/run-config';

const lr0 = 1e-3;
const lrMin = 1e-4;
const span = lr0 - lrMin;
const base: ScheduleConfig = { schedule: 'cosine', learningRate: lr0, minLearningRate: lrMin, epochs: 4 };
const lrs = (c: ScheduleConfig, from: number, to: number) => Array.from({ length: to - from }, (_, i) => scheduledLr(from + i, c));

describe('cosine schedule across a resume', () => {
  it('a fresh 4-epoch run anneals over its four epochs', () => {
    // cos(0), cos(π/4), cos(π/2), cos(3π/4)
    const want = [1, 0.7071067811865476, 0, -0.7071067811865476].map((c) => lrMin + (span * (1 + c)) / 2);
    lrs(base, 0, 4).forEach((lr, e) => expect(lr).toBeCloseTo(want[e]!, 15));
  });

  it('stretch: resumed to 6 epochs, epochs 5 and 6 follow the 6-epoch cosine (no jump back to the peak)', () => {
    const start = resumedScheduleStart(base, 4, 'stretch');
    expect(start).toBe(0);
    const resumed = { ...base, epochs: 6, scheduleStartEpoch: start };
    // epochs 4 and 5 (0-based) at t/T = 4/6, 5/6: cos(2π/3) = −0.5, cos(5π/6) = −0.8660254037844386
    const want = [-0.5, -0.8660254037844386].map((c) => lrMin + (span * (1 + c)) / 2);
    lrs(resumed, 4, 6).forEach((lr, i) => expect(lr).toBeCloseTo(want[i]!, 15));
    expect(want[0]).toBeCloseTo(3.25e-4, 15);
    // Still decreasing, and below where the old schedule's epoch 2 was.
    expect(scheduledLr(4, resumed)).toBeLessThan(scheduledLr(2, base));
    expect(scheduledLr(5, resumed)).toBeLessThan(scheduledLr(4, resumed));
  });

  it('restart: resumed to 6 epochs, epochs 5 and 6 get a 2-epoch cosine from the peak', () => {
    const start = resumedScheduleStart(base, 4, 'restart');
    expect(start).toBe(4);
    const resumed = { ...base, epochs: 6, scheduleStartEpoch: start };
    // t/T = 0/2, 1/2: cos(0) = 1, cos(π/2) = 0
    expect(scheduledLr(4, resumed)).toBeCloseTo(1e-3, 15);
    expect(scheduledLr(5, resumed)).toBeCloseTo(5.5e-4, 15);
  });

  it('a second resume in stretch mode keeps the restarted cosine and stretches it', () => {
    const once = { ...base, epochs: 6, scheduleStartEpoch: resumedScheduleStart(base, 4, 'restart') };
    const twice = { ...once, epochs: 8, scheduleStartEpoch: resumedScheduleStart(once, 6, 'stretch') };
    expect(twice.scheduleStartEpoch).toBe(4);
    // epochs 6, 7 at t/T = 2/4, 3/4 of the cosine that began at epoch 4: cos(π/2) = 0, cos(3π/4)
    expect(scheduledLr(6, twice)).toBeCloseTo(5.5e-4, 15);
    expect(scheduledLr(7, twice)).toBeCloseTo(lrMin + (span * (1 - 0.7071067811865476)) / 2, 15);
  });

  it('a constant schedule ignores both modes', () => {
    const c = { ...base, schedule: 'constant' as const, epochs: 6, scheduleStartEpoch: 4 };
    expect(lrs(c, 0, 6)).toEqual([lr0, lr0, lr0, lr0, lr0, lr0]);
  });

  it('the run config records the start epoch (0 for a fresh run)', () => {
    expect(runConfigSchema.parse({ data: 'x' }).scheduleStartEpoch).toBe(0);
    expect(runConfigSchema.safeParse({ data: 'x', scheduleStartEpoch: -1 }).success).toBe(false);
  });
});

describe('run config messages', () => {
  const issue = (patch: Record<string, unknown>) => {
    const r = runConfigSchema.safeParse({ data: 'x', ...patch });
    return r.success ? null : `${r.error.issues[0]!.path.join('.')} ${r.error.issues[0]!.message}`;
  };
  it('speak of the field, not of types', () => {
    expect(issue({ base: 'abc' })).toBe('base must be a number');
    expect(issue({ seed: 1.5 })).toBe('seed must be a whole number');
    expect(issue({ learningRate: 'x' })).toBe('learningRate must be a number');
  });
  it('refuse a seed outside 0..2^31−1', () => {
    expect(issue({ seed: 1e99 })).toBe('seed must be at most 2147483647');
    expect(issue({ seed: 2 ** 31 })).toBe('seed must be at most 2147483647');
    expect(issue({ seed: 2 ** 31 - 1 })).toBeNull();
    expect(issue({ seed: -1 })).toBe('seed must be at least 0');
  });
});
