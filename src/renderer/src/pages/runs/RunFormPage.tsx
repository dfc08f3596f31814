// New run: every field of runConfigSchema with its message beside it, presets (the form opens on
// the one that fits this machine, shows which one is active, and keeps the user's values when
// they leave and come back), backends from system.backends, the augmentation settings (from the
// preview when it handed them over), an epoch time estimate; Start validates on the service too
// and opens the run page.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { BACKENDS, RUN_PRESETS } from '../../../../shared/run-config';
import { useApi, useApp } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { navigate } from '../../router';
import { EmptyState, ErrorBox, Field } from '../../components/ui';
import { AugmentPanel } from '../augment/AugmentPanel';
import { DEFAULT_AUGMENT, useAugmentState } from '../augment/augment-state';
import { activePreset, applyPreset, fieldMessage, initialValues, savedValues, useRunForm, type FormValues, type NumberField } from './run-form-state';
import { FALLBACK_PRESET, pickDefaultPreset, type PresetChoice } from './default-preset';
import { NumberInput } from './NumberInput';
import { EpochEstimate } from './EpochEstimate';
import { TrySeveral } from './TrySeveral';

const NUMBER_LABELS: Array<{ key: NumberField; label: string; hint?: string }> = [
  { key: 'base', label: 'Base width', hint: 'channels of the first block; doubles per level' },
  { key: 'size', label: 'Input size (px)', hint: 'multiple of 32' },
  { key: 'epochs', label: 'Epochs', hint: 'with a time budget: the most it may plan' },
  { key: 'minutes', label: 'Time budget (minutes)', hint: 'optional: as many epochs as fit, planned after the first epoch (or the warm-up)' },
  { key: 'batchSize', label: 'Batch size' },
  { key: 'learningRate', label: 'Learning rate' },
  { key: 'minLearningRate', label: 'Minimum learning rate', hint: 'end of the cosine schedule' },
  { key: 'warmupEpochs', label: 'Warm-up epochs', hint: 'linear ramp from lr/10; a time budget plans after it' },
  { key: 'weightDecay', label: 'Weight decay', hint: 'decoupled (AdamW); 0 = Adam' },
  { key: 'emaDecay', label: 'Weight average (EMA) decay', hint: 'e.g. 0.99; validation and the best checkpoint use the average; 0 = off' },
  { key: 'bceWeight', label: 'BCE weight', hint: 'loss = BCE weight · BCE + Dice weight · Dice loss' },
  { key: 'diceWeight', label: 'Dice weight' },
  { key: 'valFraction', label: 'Validation fraction' },
  { key: 'seed', label: 'Seed' },
  { key: 'maxTrainImages', label: 'Max training images per epoch', hint: '0 = all' },
];

export function RunFormPage() {
  const api = useApi();
  const { datasets, augmentDraft } = useApp();
  const presets = useAsync(() => api.runs.presets(), [api]);
  const backends = useAsync(() => api.system.backends(), [api]);
  const [saved] = useState(savedValues);
  const form = useRunForm((): FormValues => {
    const augment = augmentDraft ?? saved?.augment ?? DEFAULT_AUGMENT;
    if (saved) return { ...saved, data: saved.data || (datasets[0]?.root ?? ''), augment };
    return applyPreset(initialValues(datasets[0]?.root ?? '', augment), RUN_PRESETS[FALLBACK_PRESET]?.config ?? {});
  });
  const aug = useAugmentState(augmentDraft ?? saved?.augment ?? null);
  // Once the user changes a field, the machine's default preset no longer replaces their values.
  const touched = useRef(Boolean(saved));
  const [choice, setChoice] = useState<PresetChoice | null>(null);
  const [serverIssues, setServerIssues] = useState<Record<string, string>>({});
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const { values, setValues } = form;
  const edit: typeof setValues = (f) => {
    touched.current = true;
    setValues(f);
  };
  const presetList = presets.data ?? [];
  const active = activePreset(values, presetList);
  const activeInfo = presetList.find((p) => p.name === active);

  useEffect(() => {
    if (!presets.data || touched.current || !values.data) return;
    let live = true;
    void pickDefaultPreset(api, presets.data, values).then((c) => {
      const p = c && presets.data!.find((x) => x.name === c.name);
      if (!live || !c || !p || touched.current) return;
      setChoice(c);
      setValues((v) => applyPreset(v, p.config));
    });
    return () => {
      live = false;
    };
    // Decided once per visit, when the presets and the dataset are known.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, presets.data, values.data]);

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
        for (const i of check.issues) issues[i.path || 'config'] ??= fieldMessage(i.path, i.message);
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
        <div className="preset-picker">
          <label htmlFor="run-preset">Preset</label>
          <select
            id="run-preset"
            value={active ?? ''}
            onChange={(e) => {
              const p = presetList.find((x) => x.name === e.target.value);
              if (p) edit((v) => applyPreset(v, p.config));
            }}
            aria-describedby="run-preset-description"
          >
            {active ? null : <option value="">custom settings</option>}
            {presetList.map((p) => (
              <option key={p.name} value={p.name} title={p.description}>
                {p.name}
              </option>
            ))}
          </select>
          <span id="run-preset-description" className="small muted preset-description" data-testid="preset-description">
            {activeInfo ? activeInfo.description : 'Your own settings (no preset matches them all); pick a preset to start from one.'}
            {choice && active === choice.name ? ` Opened on ${choice.name}: ${choice.reason}.` : ''}
          </span>
        </div>
      </header>
      <ErrorBox error={presets.error} context="Loading presets" />
      <div className="form-grid">
        <Field id="run-name" label="Name" hint="optional; defaults to model, width and size">
          <input id="run-name" value={values.name} maxLength={200} onChange={(e) => edit((v) => ({ ...v, name: e.target.value }))} />
        </Field>
        <Field id="run-data" label="Dataset" error={errors.data}>
          <select id="run-data" value={values.data} onChange={(e) => edit((v) => ({ ...v, data: e.target.value }))}>
            {datasets.map((d) => (
              <option key={d.id} value={d.root}>
                {d.name} — {d.root}
              </option>
            ))}
          </select>
        </Field>
        <Field id="run-model" label="Model" error={errors.model}>
          <select id="run-model" value={values.model} onChange={(e) => edit((v) => ({ ...v, model: e.target.value as typeof v.model }))}>
            <option value="unet">UNet</option>
            <option value="resnet34_unet">ResNet34-UNet</option>
          </select>
        </Field>
        {values.model === 'resnet34_unet' && (
          <Field id="run-encoder-weights" label="Encoder start" hint="ImageNet: torchvision's ResNet-34 weights (downloaded once, 83 MB, verified); needs base width 64">
            <select id="run-encoder-weights" value={values.encoderWeights ?? 'none'} onChange={(e) => edit((v) => ({ ...v, encoderWeights: e.target.value as 'none' | 'imagenet' }))}>
              <option value="none">random initialisation</option>
              <option value="imagenet">ImageNet-pretrained (torchvision ResNet-34)</option>
            </select>
          </Field>
        )}
        <label className="inline" htmlFor="run-interactive" title="Clicks and the previous mask as extra inputs, trained on simulated clicks; validation Dice is after one click">
          <input id="run-interactive" type="checkbox" checked={Boolean(values.interactive)} onChange={(e) => edit((v) => ({ ...v, interactive: e.target.checked }))} />
          interactive (click-to-segment)
        </label>
        <Field id="run-schedule" label="Learning-rate schedule" error={errors.schedule}>
          <select id="run-schedule" value={values.schedule} onChange={(e) => edit((v) => ({ ...v, schedule: e.target.value as typeof v.schedule }))}>
            <option value="cosine">cosine annealing</option>
            <option value="constant">constant</option>
          </select>
        </Field>
        <Field id="run-backend" label="Backend / device" error={errors.backend ?? backends.error ?? undefined}>
          <select id="run-backend" value={values.backend} onChange={(e) => edit((v) => ({ ...v, backend: e.target.value }))}>
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
            onChange={(s) => edit((v) => ({ ...v, numbers: { ...v.numbers, [f.key]: s } }))}
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
      <TrySeveral config={form.config} valid={valid} />
    </form>
  );
}
