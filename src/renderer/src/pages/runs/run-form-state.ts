// The run form's values as typed (strings, so a half-typed "0." is not lost), turned into a
// config for runConfigSchema; its issues are keyed by field path to sit next to each field.
import { useMemo, useState } from 'react';
import { runConfigSchema, type AugmentConfig, type RunConfigInput } from '../../../../shared/run-config';

export const NUMBER_FIELDS = ['base', 'size', 'epochs', 'batchSize', 'learningRate', 'minLearningRate', 'valFraction', 'seed', 'maxTrainImages'] as const;
export type NumberField = (typeof NUMBER_FIELDS)[number];

export interface FormValues {
  name: string;
  data: string;
  model: 'unet' | 'resnet34_unet';
  schedule: 'cosine' | 'constant';
  backend: string;
  numbers: Record<NumberField, string>;
  augment: AugmentConfig;
}

const DEFAULTS = runConfigSchema.parse({ data: 'x' });

export function initialValues(data: string, augment: AugmentConfig): FormValues {
  const numbers = {} as Record<NumberField, string>;
  for (const k of NUMBER_FIELDS) numbers[k] = String(DEFAULTS[k]);
  return { name: '', data, model: DEFAULTS.model, schedule: DEFAULTS.schedule, backend: DEFAULTS.backend, numbers, augment };
}

/** Applies a preset's fields over the current values (a preset says nothing about the dataset). */
export function applyPreset(v: FormValues, preset: Partial<RunConfigInput>): FormValues {
  const next: FormValues = { ...v, numbers: { ...v.numbers } };
  for (const k of NUMBER_FIELDS) if (preset[k] !== undefined) next.numbers[k] = String(preset[k]);
  if (preset.model) next.model = preset.model;
  if (preset.schedule) next.schedule = preset.schedule;
  if (preset.backend) next.backend = preset.backend;
  return next;
}

export function toConfig(v: FormValues): Record<string, unknown> {
  const c: Record<string, unknown> = { data: v.data, model: v.model, schedule: v.schedule, backend: v.backend, augment: v.augment };
  for (const k of NUMBER_FIELDS) {
    const s = v.numbers[k].trim();
    // Empty means "the default"; anything else must be a number, or zod names the field.
    c[k] = s === '' ? undefined : Number.isNaN(Number(s)) ? s : Number(s);
  }
  return c;
}

export function useRunForm(data: string, augment: AugmentConfig) {
  const [values, setValues] = useState(() => initialValues(data, augment));
  const config = useMemo(() => toConfig(values), [values]);
  const errors = useMemo(() => {
    const r = runConfigSchema.safeParse(config);
    const out: Record<string, string> = {};
    if (!r.success) for (const i of r.error.issues) out[i.path.join('.') || 'config'] ??= i.message;
    return out;
  }, [config]);
  return { values, setValues, config, errors };
}
