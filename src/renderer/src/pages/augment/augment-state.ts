// The augmentation settings being edited, with per-group on/off kept apart from each group's
// probability; `effective` is what is sent (p = 0 for a group that is off).
import { useMemo, useState } from 'react';
import { augmentConfigSchema, type AugmentConfig } from '../../../../shared/run-config';
import type { AugmentGroup } from './AugmentPanel';

export const DEFAULT_AUGMENT: AugmentConfig = augmentConfigSchema.parse({});

export function useAugmentState(initial: AugmentConfig | null) {
  const [config, setConfig] = useState<AugmentConfig>(initial ?? DEFAULT_AUGMENT);
  const [on, setOnState] = useState<Record<AugmentGroup, boolean>>(() => ({
    geometric: (initial ?? DEFAULT_AUGMENT).geometric.p > 0,
    flip: (initial ?? DEFAULT_AUGMENT).flip.p > 0,
    color: (initial ?? DEFAULT_AUGMENT).color.p > 0,
    noise: (initial ?? DEFAULT_AUGMENT).noise.p > 0,
  }));
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
  return { config, setConfig, on, setOn, effective, ...validation };
}
