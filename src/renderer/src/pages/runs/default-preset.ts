// Which preset the New run form opens on: the heaviest one whose whole run the epoch estimate
// (runs.estimateEpoch, from this machine's finished epochs) puts within an hour on the chosen
// dataset. Before any run was measured there is no estimate; then cpu-quick, which suits a CPU
// and is seconds per epoch on the bundled sample, rather than the reference preset (days on a
// laptop CPU).
import type { RunPreset, StudioApi } from '../../../../shared/contract';
import { applyPreset, toConfig, type FormValues } from './run-form-state';

export const RUN_BUDGET_SECONDS = 3600;
export const FALLBACK_PRESET = 'cpu-quick';

export interface PresetChoice {
  name: string;
  /** Why this one, in a sentence for the form. */
  reason: string;
  /** Estimated seconds for the whole run, when known. */
  runSeconds: number | null;
}

/**
 * A run's length: its epochs at the estimated pace, or, for a time-budget preset (cpu-10min),
 * its budget when the epochs would take longer (the budget plans fewer epochs then).
 */
export function estimatedRunSeconds(secondsPerEpoch: number, epochs: number, minutes: string): number {
  const all = secondsPerEpoch * epochs;
  const budget = minutes.trim() === '' ? Number.NaN : Number(minutes) * 60;
  return budget > 0 ? Math.min(all, budget) : all;
}

export async function pickDefaultPreset(api: StudioApi, presets: RunPreset[], base: FormValues): Promise<PresetChoice | null> {
  if (!presets.length) return null;
  const estimates = await Promise.all(
    presets.map(async (p) => {
      const values = applyPreset(base, p.config);
      try {
        const e = await api.runs.estimateEpoch({ config: toConfig(values) });
        return { name: p.name, runSeconds: estimatedRunSeconds(e.secondsPerEpoch, Number(values.numbers.epochs), values.numbers.minutes) };
      } catch {
        return { name: p.name, runSeconds: null };
      }
    }),
  );
  const known = estimates.filter((e): e is { name: string; runSeconds: number } => e.runSeconds !== null && Number.isFinite(e.runSeconds));
  const fits = known.filter((e) => e.runSeconds <= RUN_BUDGET_SECONDS).sort((a, b) => b.runSeconds - a.runSeconds);
  if (fits.length) return { ...fits[0]!, reason: 'the heaviest preset whose whole run this machine is estimated to finish within an hour' };
  if (known.length) {
    const lightest = [...known].sort((a, b) => a.runSeconds - b.runSeconds)[0]!;
    return { ...lightest, reason: 'no preset fits in an hour on this machine; this is the lightest' };
  }
  const fallback = presets.find((p) => p.name === FALLBACK_PRESET) ?? presets[presets.length - 1]!;
  return { name: fallback.name, runSeconds: null, reason: 'no run has been measured on this machine yet; this one suits a CPU' };
}
