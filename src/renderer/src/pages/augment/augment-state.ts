// The augmentation settings being edited, with per-group on/off kept apart from each group's
// probability; `effective` is what is sent (p = 0 for a group that is off).
import { useMemo, useState } from 'react';
import { augmentConfigSchema, type AugmentConfig } from '../../../../shared/run-config';
import type { AugmentGroup } from './AugmentPanel';

export const DEFAULT_AUGMENT: AugmentConfig = augmentConfigSchema.parse({});

function groupsOn(c: AugmentConfig): Record<AugmentGroup, boolean> {
  return { geometric: c.geometric.p > 0, flip: c.flip.p > 0, color: c.color.p > 0, noise: c.noise.p > 0 };
}

export function useAugmentState(initial: AugmentConfig | null) {
  const [config, setConfig] = useState<AugmentConfig>(initial ?? DEFAULT_AUGMENT);
  const [on, setOnState] = useState<Record<AugmentGroup, boolean>>(() => groupsOn(initial ?? DEFAULT_AUGMENT));
  const setOn = (g: AugmentGroup, v: boolean) => {
    setOnState((o) => ({ ...o, [g]: v }));
    // A group switched on with p = 0 would still do nothing: give it a visible probability.
    if (v && config[g].p === 0) setConfig((c) => ({ ...c, [g]: { ...c[g], p: 0.5 } }));
  };
  const effective = useMemo<AugmentConfig>(() => {
    const c = structuredClone(config);
    for (const g of ['geometric', 'flip', 'color', 'noise'] as const) if (!on[g]) c[g].p = 0;
    return c;
  }, [config, on]);
  const validation = useMemo(() => {
    const r = augmentConfigSchema.safeParse(effective);
    const errors: Record<string, string> = {};
    if (!r.success) for (const i of r.error.issues) errors[i.path.join('.')] ??= i.message;
    return { valid: r.success, errors };
  }, [effective]);
  /** Back to the schema's defaults (what a run uses when nothing is set), groups on as they say. */
  const reset = () => {
    setConfig(DEFAULT_AUGMENT);
    setOnState(groupsOn(DEFAULT_AUGMENT));
  };
  return { config, setConfig, on, setOn, reset, effective, ...validation };
}
