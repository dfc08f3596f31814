// A sweep's grid: 'size=128,160;lr=1e-3,2e-3' → every combination, each a run config. Shared by
// the CLI (`seg-studio sweep --grid`), the sweeps service and the run form's "Try several", so a
// grid the form accepts is a grid the CLI accepts.
import { scaleAugment } from './augment-strength';
import { augmentConfigSchema, MAX_EPOCHS, parseRunConfig, runConfigSchema, type RunConfig, type RunConfigInput } from './run-config';

export type GridValue = number | string | boolean;
/** Config field → the values to try, in the order given. */
export type Grid = Record<string, GridValue[]>;

/** Short names people type, onto run-config fields. */
const ALIASES: Record<string, string> = {
  lr: 'learningRate',
  'learning-rate': 'learningRate',
  learning_rate: 'learningRate',
  batch: 'batchSize',
  'batch-size': 'batchSize',
  batch_size: 'batchSize',
  'min-lr': 'minLearningRate',
  minLr: 'minLearningRate',
  width: 'base',
  'max-train-images': 'maxTrainImages',
  'weight-decay': 'weightDecay',
  wd: 'weightDecay',
  ema: 'emaDecay',
  'ema-decay': 'emaDecay',
  'bce-weight': 'bceWeight',
  'dice-weight': 'diceWeight',
};

/** Fields a sweep must not vary, and why. */
const REFUSED: Record<string, string> = {
  data: 'every configuration of a sweep trains on the one dataset (--data)',
  valFraction: 'it changes which photos are validation photos, so the valid Dice of the configurations could not be compared',
  minutes: 'each configuration gets the same budget (--minutes-each)',
  backend: 'the configurations are compared on one device: set the backend for the whole sweep',
  scheduleStartEpoch: 'it is set by resuming a run, not chosen',
  encoderWeightsPath: 'a file path is not a setting to compare',
  interactive: 'click-to-segment runs are not compared by valid Dice alone',
};

/** At most this many configurations: a sweep is for a handful of tries, not a search. */
export const MAX_SWEEP_CONFIGURATIONS = 64;

/** Run-config fields a grid may vary: top-level numbers, enums and booleans, and `augment` (on/off or a strength). */
export function sweepableFields(): string[] {
  const shape = runConfigSchema.shape as Record<string, { _def: { typeName: string; innerType?: unknown; schema?: unknown } }>;
  const scalar = (t: unknown): boolean => {
    const def = (t as { _def: { typeName: string; innerType?: unknown; schema?: unknown } })._def;
    if (def.typeName === 'ZodDefault' || def.typeName === 'ZodOptional') return scalar(def.innerType);
    if (def.typeName === 'ZodEffects') return scalar(def.schema);
    return ['ZodNumber', 'ZodEnum', 'ZodBoolean'].includes(def.typeName);
  };
  return [...Object.keys(shape).filter((k) => !(k in REFUSED) && scalar(shape[k])), 'augment'];
}

/** The config field a grid key names, or an Error saying why it cannot be swept. */
export function gridField(key: string): string {
  const field = ALIASES[key] ?? key;
  if (field in REFUSED) throw new Error(`grid key "${key}" cannot be swept: ${REFUSED[field]}`);
  const known = sweepableFields();
  if (!known.includes(field)) {
    throw new Error(`unknown grid key "${key}"; a grid varies run settings: ${known.join(', ')} (also lr, batch, width)`);
  }
  return field;
}

function parseValue(field: string, raw: string): GridValue {
  const v = raw.trim();
  if (v === '') throw new Error(`grid key "${field}": an empty value`);
  if (field === 'augment') {
    // on/off, or a strength (augment-strength.ts): 1 is the config as it is, 1.5 half as much again.
    if (/^(on|true|yes)$/i.test(v)) return true;
    if (/^(off|false|no|0)$/i.test(v)) return false;
    const strength = Number(v);
    if (/^[+.\d]/.test(v) && Number.isFinite(strength)) {
      scaleAugment(augmentConfigSchema.parse({}), strength); // refuses a strength out of range, naming it
      return strength;
    }
    throw new Error(`grid key "augment": "${v}" is not on, off or a strength (e.g. 1.5)`);
  }
  if (/^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  const n = Number(v);
  return Number.isFinite(n) && /^[-+.\d]/.test(v) ? n : v;
}

/** Parses 'size=128,160;lr=1e-3,2e-3' (keys by their config names or aliases) into a grid. */
export function parseGrid(text: string): Grid {
  const grid: Grid = {};
  const parts = text.split(';').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('the grid is empty; write it as key=v1,v2;key2=v3,v4 (e.g. size=128,160;lr=1e-3,2e-3)');
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`grid part "${part}" is not key=v1,v2,…`);
    const field = gridField(part.slice(0, eq).trim());
    if (field in grid) throw new Error(`grid key "${field}" is given twice`);
    const values = part.slice(eq + 1).split(',').map((v) => parseValue(field, v));
    if (new Set(values.map(String)).size !== values.length) throw new Error(`grid key "${field}" repeats a value`);
    grid[field] = values;
  }
  return grid;
}

/** The grid back as text, in its own order ('size=128,160;learningRate=0.001,0.002'). */
export function formatGrid(grid: Grid): string {
  return Object.entries(grid)
    .map(([k, vs]) => `${k}=${vs.map((v) => (k === 'augment' ? augmentValueText(v) : String(v))).join(',')}`)
    .join(';');
}

export interface SweepConfigurationPlan {
  /** This configuration's grid values, by config field. */
  settings: Record<string, GridValue>;
  config: RunConfig;
}

/**
 * Every combination of the grid on top of `base` (first key varies slowest), each validated as
 * a run config; a bad one is refused naming its settings. `minutesEach` gives each configuration
 * that time budget (its epochs planned from its first epoch, at most its `epochs`: see
 * sweepBase for lifting a preset's epochs).
 */
export function expandGrid(base: RunConfigInput, grid: Grid, minutesEach?: number): SweepConfigurationPlan[] {
  const keys = Object.keys(grid);
  let combos: Array<Record<string, GridValue>> = [{}];
  for (const k of keys) combos = combos.flatMap((c) => grid[k]!.map((v) => ({ ...c, [k]: v })));
  if (combos.length > MAX_SWEEP_CONFIGURATIONS) throw new Error(`the grid makes ${combos.length} configurations; a sweep runs at most ${MAX_SWEEP_CONFIGURATIONS}`);
  return combos.map((settings) => {
    const input: Record<string, unknown> = { ...base };
    if (minutesEach !== undefined) input.minutes = minutesEach;
    for (const [k, v] of Object.entries(settings)) {
      if (k === 'augment') input.augment = augmentFromGridValue(base.augment, v);
      else input[k] = v;
    }
    try {
      return { settings, config: parseRunConfig(input) };
    } catch (err) {
      throw new Error(`configuration ${describeSettings(settings)}: ${(err as Error).message}`);
    }
  });
}

/** 'size=128 learningRate=0.001' */
export function describeSettings(settings: Record<string, GridValue>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${k === 'augment' ? augmentValueText(v) : String(v)}`)
    .join(' ');
}

/** A grid's augment value as typed: on, off or the strength. */
function augmentValueText(v: GridValue): string {
  return typeof v === 'number' ? String(v) : v ? 'on' : 'off';
}

/** The base config's augmentation turned on or off, or turned on and scaled to a strength. */
function augmentFromGridValue(base: RunConfigInput['augment'], v: GridValue): RunConfigInput['augment'] {
  if (typeof v !== 'number') return { ...(base ?? {}), enabled: Boolean(v) };
  return scaleAugment(augmentConfigSchema.parse({ ...(base ?? {}), enabled: true }), v);
}

/**
 * The config every configuration starts from: a preset's settings, the dataset and, with a time
 * budget, epochs lifted to the maximum (the budget decides them) unless given explicitly, as
 * `train --minutes` does.
 */
export function sweepBase(opts: { preset?: Partial<RunConfigInput>; data: string; minutesEach?: number; epochs?: number; backend?: string }): RunConfigInput {
  const base: Record<string, unknown> = { ...(opts.preset ?? {}), data: opts.data };
  if (opts.epochs !== undefined) base.epochs = opts.epochs;
  else if (opts.minutesEach !== undefined) base.epochs = MAX_EPOCHS;
  if (opts.backend !== undefined) base.backend = opts.backend;
  return base as RunConfigInput;
}
