// A numeric field of the run form with its label and its own validation message.
import { Field } from '../../components/ui';

export function NumberInput(p: { id: string; label: string; value: string; onChange: (s: string) => void; error?: string; hint?: string; step?: string }) {
  return (
    <Field id={p.id} label={p.label} error={p.error} hint={p.hint}>
      <input
        id={p.id}
        name={p.id}
        inputMode="decimal"
        value={p.value}
        step={p.step}
        onChange={(e) => p.onChange(e.target.value)}
        aria-invalid={Boolean(p.error)}
        aria-describedby={p.error ? `${p.id}-error` : p.hint ? `${p.id}-hint` : undefined}
      />
    </Field>
  );
}
