// New run: every field of runConfigSchema with its message beside it, presets, backends from
// system.backends, the augmentation settings (from the preview when it handed them over), an
// epoch time estimate; Start validates on the service too and opens the run page.
import { useEffect, useState, type FormEvent } from 'react';
import { BACKENDS } from '../../../../shared/run-config';
import { useApi, useApp } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { navigate } from '../../router';
import { EmptyState, ErrorBox, Field } from '../../components/ui';
import { AugmentPanel } from '../augment/AugmentPanel';
import { DEFAULT_AUGMENT, useAugmentState } from '../augment/augment-state';
import { applyPreset, useRunForm, type NumberField } from './run-form-state';
import { NumberInput } from './NumberInput';
import { EpochEstimate } from './EpochEstimate';

const NUMBER_LABELS: Array<{ key: NumberField; label: string; hint?: string }> = [
  { key: 'base', label: 'Base width', hint: 'channels of the first block; doubles per level' },
  { key: 'size', label: 'Input size (px)', hint: 'multiple of 32' },
  { key: 'epochs', label: 'Epochs' },
  { key: 'batchSize', label: 'Batch size' },
  { key: 'learningRate', label: 'Learning rate' },
  { key: 'minLearningRate', label: 'Minimum learning rate', hint: 'end of the cosine schedule' },
  { key: 'valFraction', label: 'Validation fraction' },
  { key: 'seed', label: 'Seed' },
  { key: 'maxTrainImages', label: 'Max training images per epoch', hint: '0 = all' },
];

export function RunFormPage() {
  const api = useApi();
  const { datasets, augmentDraft } = useApp();
  const presets = useAsync(() => api.runs.presets(), [api]);
  const backends = useAsync(() => api.system.backends(), [api]);
  const form = useRunForm(datasets[0]?.root ?? '', augmentDraft ?? DEFAULT_AUGMENT);
  const aug = useAugmentState(augmentDraft);
  const [serverIssues, setServerIssues] = useState<Record<string, string>>({});
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const { values, setValues } = form;

  // Keep the form's augment in step with the panel's effective settings.
  useEffect(() => setValues((v) => ({ ...v, augment: aug.effective })), [aug.effective, setValues]);
  useEffect(() => {
    if (!values.data && datasets[0]) setValues((v) => ({ ...v, data: datasets[0]!.root }));
  }, [datasets, values.data, setValues]);

  const errors = { ...serverIssues, ...form.errors };
  const valid = Object.keys(form.errors).length === 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setStartError(null);
    setStarting(true);
    try {
      const check = await api.runs.validate({ config: form.config });
      if (!check.valid) {
        const issues: Record<string, string> = {};
        for (const i of check.issues) issues[i.path || 'config'] ??= i.message;
        setServerIssues(issues);
        return;
      }
      setServerIssues({});
      const { runId } = await api.runs.start({ config: form.config, name: values.name.trim() || undefined });
      navigate({ page: 'run', runId });
    } catch (err) {
      setStartError((err as Error).message);
    } finally {
      setStarting(false);
    }
  };

  if (!datasets.length) {
    return (
      <div className="page">
        <h2>New run</h2>
        <EmptyState title="Open a dataset first">
          <p>
            A run trains on a dataset folder. Open one on the <a href="#/datasets">Datasets</a> page, then come back.
          </p>
        </EmptyState>
      </div>
    );
  }

  const backendInfo = backends.data ?? [];
  return (
    <form className="page run-form" onSubmit={submit} aria-label="New run" noValidate>
      <header className="page-header">
        <h2>New run</h2>
        <label className="inline">
          Preset
          <select
            value=""
            onChange={(e) => {
              const p = presets.data?.find((x) => x.name === e.target.value);
              if (p) setValues((v) => applyPreset(v, p.config));
            }}
            aria-label="Apply a preset"
          >
            <option value="">apply a preset…</option>
            {(presets.data ?? []).map((p) => (
              <option key={p.name} value={p.name} title={p.description}>
                {p.name} — {p.description}
              </option>
            ))}
          </select>
        </label>
      </header>
      <ErrorBox error={presets.error} context="Loading presets" />
      <div className="form-grid">
        <Field id="run-name" label="Name" hint="optional; defaults to model, width and size">
          <input id="run-name" value={values.name} maxLength={200} onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))} />
        </Field>
        <Field id="run-data" label="Dataset" error={errors.data}>
          <select id="run-data" value={values.data} onChange={(e) => setValues((v) => ({ ...v, data: e.target.value }))}>
            {datasets.map((d) => (
              <option key={d.id} value={d.root}>
                {d.name} — {d.root}
              </option>
            ))}
          </select>
        </Field>
        <Field id="run-model" label="Model" error={errors.model}>
          <select id="run-model" value={values.model} onChange={(e) => setValues((v) => ({ ...v, model: e.target.value as typeof v.model }))}>
            <option value="unet">UNet</option>
            <option value="resnet34_unet">ResNet34-UNet</option>
          </select>
        </Field>
        <Field id="run-schedule" label="Learning-rate schedule" error={errors.schedule}>
          <select id="run-schedule" value={values.schedule} onChange={(e) => setValues((v) => ({ ...v, schedule: e.target.value as typeof v.schedule }))}>
            <option value="cosine">cosine annealing</option>
            <option value="constant">constant</option>
          </select>
        </Field>
        <Field id="run-backend" label="Backend / device" error={errors.backend ?? backends.error ?? undefined}>
          <select id="run-backend" value={values.backend} onChange={(e) => setValues((v) => ({ ...v, backend: e.target.value }))}>
            {BACKENDS.map((b) => {
              const info = backendInfo.find((x) => x.name === b);
              const off = b !== 'auto' && info !== undefined && !info.available;
              return (
                <option key={b} value={b} disabled={off} title={info?.detail}>
                  {b}
                  {info ? ` — ${info.available ? info.detail : `unavailable: ${info.detail}`}` : b === 'auto' ? ' — fastest available' : ''}
                </option>
              );
            })}
          </select>
        </Field>
        {NUMBER_LABELS.map((f) => (
          <NumberInput
            key={f.key}
            id={`run-${f.key}`}
            label={f.label}
            hint={f.hint}
            value={values.numbers[f.key]}
            error={errors[f.key]}
            onChange={(s) => setValues((v) => ({ ...v, numbers: { ...v.numbers, [f.key]: s } }))}
          />
        ))}
      </div>
      <details className="card" open={Boolean(augmentDraft)}>
        <summary>Augmentation {augmentDraft ? '(from the preview)' : ''}</summary>
        <AugmentPanel config={aug.config} onChange={aug.setConfig} on={aug.on} setOn={aug.setOn} errors={aug.errors} />
      </details>
      <EpochEstimate config={form.config} valid={valid} />
      <ErrorBox error={errors.config} context="Configuration" />
      <ErrorBox error={startError} context="Starting the run" />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!valid || starting}>
          {starting ? 'Starting…' : 'Start run'}
        </button>
        {!valid ? <span className="field-error">{Object.keys(form.errors).length} field(s) need fixing</span> : null}
      </div>
    </form>
  );
}
