// The run form's values as typed (strings, so a half-typed "0." is not lost), turned into a
// config for runConfigSchema; its issues are keyed by field path to sit next to each field, and
// worded after the field's label ("Base width must be a number"). The values outlive the page:
// kept in sessionStorage, so leaving the form and coming back (or reloading) keeps them.
import { useEffect, useMemo, useState } from 'react';
import { runConfigSchema, type AugmentConfig, type RunConfigInput } from '../../../../shared/run-config';

export const NUMBER_FIELDS = [
  'base', 'size', 'epochs', 'minutes', 'batchSize', 'learningRate', 'minLearningRate', 'warmupEpochs', 'weightDecay', 'emaDecay', 'bceWeight', 'diceWeight', 'valFraction', 'seed', 'maxTrainImages',
] as const;
export type NumberField = (typeof NUMBER_FIELDS)[number];

export interface FormValues {
  name: string;
  data: string;
  model: 'unet' | 'resnet34_unet';
  schedule: 'cosine' | 'constant';
  backend: string;
  numbers: Record<NumberField, string>;
  augment: AugmentConfig;
  /** A click-to-segment run (docs/interactive.md); absent in values saved before it existed. */
  interactive?: boolean;
  /** ResNet34-UNet only: the encoder starts from ImageNet weights (docs/interop.md); absent = none. */
  encoderWeights?: 'none' | 'imagenet';
}

const DEFAULTS = runConfigSchema.parse({ data: 'x' });

export function initialValues(data: string, augment: AugmentConfig): FormValues {
  const numbers = {} as Record<NumberField, string>;
  // An optional field without a default (the time budget) starts empty.
  for (const k of NUMBER_FIELDS) numbers[k] = DEFAULTS[k] === undefined ? '' : String(DEFAULTS[k]);
  return { name: '', data, model: DEFAULTS.model, schedule: DEFAULTS.schedule, backend: DEFAULTS.backend, numbers, augment };
}

/**
 * A preset sets every field it covers: all the numbers, model, schedule and backend go back to
 * the defaults and then take the preset's values, so nothing typed before (an invalid
 * validation fraction, an odd seed) survives it. Name, dataset and augmentation stay.
 */
export function applyPreset(v: FormValues, preset: Partial<RunConfigInput>): FormValues {
  const base = initialValues(v.data, v.augment);
  const next: FormValues = { ...base, name: v.name, interactive: v.interactive, numbers: { ...base.numbers } };
  for (const k of NUMBER_FIELDS) if (preset[k] !== undefined) next.numbers[k] = String(preset[k]);
  if (preset.model) next.model = preset.model;
  if (preset.schedule) next.schedule = preset.schedule;
  if (preset.backend) next.backend = preset.backend;
  next.encoderWeights = preset.encoderWeights ?? 'none';
  return next;
}

/** A number field as the config will read it (empty is the default). */
const numberOf = (v: FormValues, k: NumberField) => (v.numbers[k].trim() === '' ? DEFAULTS[k] : Number(v.numbers[k]));

/** The preset whose settings the form holds now (null once a field differs: "custom"). */
export function activePreset(v: FormValues, presets: Array<{ name: string; config: Partial<RunConfigInput> }>): string | null {
  const same = (a: FormValues, b: FormValues) =>
    a.model === b.model && a.schedule === b.schedule && a.backend === b.backend && (a.encoderWeights ?? 'none') === (b.encoderWeights ?? 'none') && NUMBER_FIELDS.every((k) => numberOf(a, k) === numberOf(b, k));
  return presets.find((p) => same(v, applyPreset(v, p.config)))?.name ?? null;
}

const LABELS: Record<string, string> = {
  base: 'Base width',
  size: 'Input size',
  epochs: 'Epochs',
  minutes: 'Time budget',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  minLearningRate: 'Minimum learning rate',
  warmupEpochs: 'Warm-up epochs',
  weightDecay: 'Weight decay',
  emaDecay: 'Weight average (EMA) decay',
  bceWeight: 'BCE weight',
  diceWeight: 'Dice weight',
  valFraction: 'Validation fraction',
  seed: 'Seed',
  maxTrainImages: 'Max training images per epoch',
  data: 'Dataset',
  model: 'Model',
  schedule: 'Schedule',
  backend: 'Backend',
};

/** "Base width must be a number": the schema says what is wrong, the form says which field. */
export function fieldMessage(path: string, message: string): string {
  const label = LABELS[path];
  return label && /^(must|is) /.test(message) ? `${label} ${message}` : message;
}

const STORAGE_KEY = 'seg-studio:new-run-form';

/** The values the user left the form with (this tab), if any and still well-formed. */
export function savedValues(): FormValues | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as FormValues;
    if (typeof v !== 'object' || !v || typeof v.numbers !== 'object') return null;
    // Values saved before a field existed keep what was typed; the new field starts at its default.
    const fresh = initialValues('', DEFAULTS.augment).numbers;
    for (const k of NUMBER_FIELDS) if (v.numbers[k] === undefined) v.numbers[k] = fresh[k];
    if (NUMBER_FIELDS.some((k) => typeof v.numbers[k] !== 'string')) return null;
    return v;
  } catch {
    return null;
  }
}

function saveValues(v: FormValues): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(v));
  } catch {
    /* storage full or off: the form still works, it just starts afresh next time */
  }
}

export function toConfig(v: FormValues): Record<string, unknown> {
  const c: Record<string, unknown> = { data: v.data, model: v.model, schedule: v.schedule, backend: v.backend, augment: v.augment };
  if (v.interactive) c.interactive = { enabled: true };
  if (v.model === 'resnet34_unet' && v.encoderWeights === 'imagenet') c.encoderWeights = 'imagenet';
  for (const k of NUMBER_FIELDS) {
    const s = v.numbers[k].trim();
    // Empty means "the default"; anything else must be a number, or zod names the field.
    c[k] = s === '' ? undefined : Number.isNaN(Number(s)) ? s : Number(s);
  }
  return c;
}

/**
 * Opens the form next time on a given config (a sweep's winner): written where the form keeps
 * the user's values, so it is what the form shows, and still editable.
 */
export function prefillRunForm(config: RunConfigInput & { data: string }, name: string): void {
  const v = initialValues(config.data, { ...DEFAULTS.augment, ...(config.augment ?? {}) } as AugmentConfig);
  for (const k of NUMBER_FIELDS) if (config[k] !== undefined) v.numbers[k] = String(config[k]);
  v.name = name;
  if (config.model) v.model = config.model;
  if (config.schedule) v.schedule = config.schedule;
  if (config.backend) v.backend = config.backend;
  v.encoderWeights = config.encoderWeights ?? 'none';
  v.interactive = Boolean(config.interactive?.enabled);
  saveValues(v);
}

/** `start`: the values to open with (saved ones, or a preset applied over the defaults). */
export function useRunForm(start: () => FormValues) {
  const [values, setValues] = useState(start);
  useEffect(() => saveValues(values), [values]);
  const config = useMemo(() => toConfig(values), [values]);
  const errors = useMemo(() => {
    const r = runConfigSchema.safeParse(config);
    const out: Record<string, string> = {};
    if (!r.success) for (const i of r.error.issues) out[i.path.join('.') || 'config'] ??= fieldMessage(i.path.join('.'), i.message);
    return out;
  }, [config]);
  return { values, setValues, config, errors };
}
