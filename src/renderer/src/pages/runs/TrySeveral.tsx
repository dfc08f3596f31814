// "Try several" on the run form: the form's settings as the base, a grid of values to vary
// ('size=128,160;lr=1e-3,2e-3', checked as it is typed by the grid parser the CLI uses), a time
// budget per configuration, and a button that starts the sweep (sweeps.start: every
// configuration queued as a run, trained one after another) and opens its ranking.
import { useMemo, useState } from 'react';
import { expandGrid, parseGrid } from '../../../../shared/sweep-grid';
import type { RunConfigInput } from '../../../../shared/run-config';
import { useApi } from '../../app-context';
import { navigate } from '../../router';
import { ErrorBox } from '../../components/ui';

export function TrySeveral({ config, valid }: { config: Record<string, unknown>; valid: boolean }) {
  const api = useApi();
  const [grid, setGrid] = useState('size=128,160;lr=1e-3,2e-3');
  const [minutes, setMinutes] = useState('2');
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const minutesEach = minutes.trim() === '' ? undefined : Number(minutes);
  const check = useMemo(() => {
    if (minutesEach !== undefined && !(minutesEach > 0)) return { error: 'Minutes each must be a number greater than 0', count: 0 };
    try {
      const base = { ...config } as RunConfigInput & Record<string, unknown>;
      delete base.minutes;
      return { error: null, count: expandGrid(base, parseGrid(grid), minutesEach).length };
    } catch (err) {
      return { error: (err as Error).message, count: 0 };
    }
  }, [config, grid, minutesEach]);

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const sweep = await api.sweeps.start({ config, grid, minutesEach });
      navigate({ page: 'sweep', sweepId: sweep.id });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <details className="card try-several" data-testid="try-several">
      <summary>Try several</summary>
      <p className="small muted">
        The settings above, with some of them varied: each combination trains as its own run, one after another, and the sweep ranks them by best
        validation Dice. Keys: size, lr, batch, base, model, epochs, seed, schedule, warmupEpochs, wd, ema, augment (on, off or a strength such as 1.5)…
      </p>
      <div className="form-grid">
        <label htmlFor="sweep-grid">
          Grid
          <input id="sweep-grid" value={grid} maxLength={2000} onChange={(e) => setGrid(e.target.value)} aria-describedby="sweep-grid-check" />
        </label>
        <label htmlFor="sweep-minutes">
          Minutes each
          <input id="sweep-minutes" inputMode="decimal" value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        </label>
      </div>
      <p id="sweep-grid-check" className={check.error ? 'field-error' : 'small muted'} data-testid="sweep-grid-check">
        {check.error ?? `${check.count} configuration${check.count === 1 ? '' : 's'}${minutesEach ? `, about ${Math.ceil(check.count * minutesEach)} min in all` : ''}`}
      </p>
      <ErrorBox error={error} context="Starting the sweep" />
      <button type="button" onClick={start} disabled={!valid || Boolean(check.error) || starting} data-testid="start-sweep">
        {starting ? 'Starting…' : `Start ${check.count || ''} runs`}
      </button>
    </details>
  );
}
