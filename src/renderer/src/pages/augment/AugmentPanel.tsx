// Switches and ranges of each augmentation group (the transforms of augmentConfigSchema). A group
// switched off keeps its settings and just sends p = 0, so switching it back restores them.
import type { AugmentConfig } from '../../../../shared/run-config';

type Group = 'geometric' | 'flip' | 'color' | 'noise';

interface RangeSpec {
  key: string;
  label: string;
  min: number;
  max: number;
  step: number;
}

const GROUPS: Array<{ id: Group; title: string; what: string; ranges: RangeSpec[] }> = [
  {
    id: 'geometric',
    title: 'Geometric',
    what: 'random resized crop or rotation',
    ranges: [
      { key: 'cropScaleMin', label: 'Crop scale min', min: 0.1, max: 1, step: 0.05 },
      { key: 'cropScaleMax', label: 'Crop scale max', min: 0.1, max: 1, step: 0.05 },
      { key: 'rotateLimit', label: 'Rotation limit (°)', min: 0, max: 180, step: 5 },
    ],
  },
  { id: 'flip', title: 'Flip', what: 'horizontal or vertical flip', ranges: [] },
  {
    id: 'color',
    title: 'Colour',
    what: 'brightness/contrast or gamma',
    ranges: [
      { key: 'brightnessLimit', label: 'Brightness limit', min: 0, max: 1, step: 0.05 },
      { key: 'contrastLimit', label: 'Contrast limit', min: 0, max: 1, step: 0.05 },
      { key: 'gammaMin', label: 'Gamma min (%)', min: 10, max: 200, step: 5 },
      { key: 'gammaMax', label: 'Gamma max (%)', min: 10, max: 300, step: 5 },
    ],
  },
  {
    id: 'noise',
    title: 'Noise and blur',
    what: 'Gaussian noise or Gaussian blur',
    ranges: [
      { key: 'noiseVarMin', label: 'Noise variance min', min: 0, max: 200, step: 5 },
      { key: 'noiseVarMax', label: 'Noise variance max', min: 0, max: 200, step: 5 },
      { key: 'blurMin', label: 'Blur kernel min', min: 3, max: 15, step: 2 },
      { key: 'blurMax', label: 'Blur kernel max', min: 3, max: 15, step: 2 },
    ],
  },
];

interface Props {
  config: AugmentConfig;
  onChange: (c: AugmentConfig) => void;
  /** Per group: whether it is on (kept apart from p so switching off remembers p). */
  on: Record<Group, boolean>;
  setOn: (g: Group, v: boolean) => void;
  errors: Record<string, string>;
}

export type { Group as AugmentGroup };

export function AugmentPanel({ config, onChange, on, setOn, errors }: Props) {
  const setField = (g: Group, key: string, value: number) =>
    onChange({ ...config, [g]: { ...(config[g] as Record<string, number>), [key]: value } } as AugmentConfig);
  return (
    <div className="augment-panel" aria-label="Augmentation settings">
      <label className="switch">
        <input type="checkbox" checked={config.enabled} onChange={(e) => onChange({ ...config, enabled: e.target.checked })} />
        Augmentation enabled
      </label>
      {GROUPS.map((g) => {
        const values = config[g.id] as Record<string, number>;
        const pErr = errors[`${g.id}.p`];
        return (
          <fieldset key={g.id} className="augment-group" disabled={!config.enabled}>
            <legend>
              <label className="switch">
                <input type="checkbox" checked={on[g.id]} onChange={(e) => setOn(g.id, e.target.checked)} aria-label={`${g.title} on`} />
                {g.title}
              </label>
              <span className="muted small"> {g.what}</span>
            </legend>
            <label className="range-row">
              <span>Probability</span>
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={values.p}
                disabled={!on[g.id]}
                onChange={(e) => setField(g.id, 'p', Number(e.target.value))}
                aria-label={`${g.title} probability`}
              />
              <span className="num">{values.p.toFixed(2)}</span>
            </label>
            {pErr ? <div className="field-error">{pErr}</div> : null}
            {g.ranges.map((r) => {
              const err = errors[`${g.id}.${r.key}`];
              return (
                <div key={r.key}>
                  <label className="range-row">
                    <span>{r.label}</span>
                    <input
                      type="range"
                      min={r.min}
                      max={r.max}
                      step={r.step}
                      value={values[r.key]}
                      disabled={!on[g.id]}
                      onChange={(e) => setField(g.id, r.key, Number(e.target.value))}
                      aria-label={`${g.title}: ${r.label}`}
                    />
                    <span className="num">{values[r.key]}</span>
                  </label>
                  {err ? <div className="field-error">{err}</div> : null}
                </div>
              );
            })}
          </fieldset>
        );
      })}
    </div>
  );
}
