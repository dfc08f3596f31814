// Filters over a dataset's samples: split, species, breed, labeled, and (after a run predicted
// this dataset) the run whose per-image Dice orders the grid, worst first.
import type { RunSummary, SplitName, Species } from '../../../../shared/contract';
import type { SampleFilters } from '../../hooks/use-sample-pages';

interface Props {
  filters: SampleFilters;
  onChange: (f: SampleFilters) => void;
  runs: RunSummary[];
  total: number | null;
}

export function SampleFiltersBar({ filters, onChange, runs, total }: Props) {
  const set = (patch: Partial<SampleFilters>) => onChange({ ...filters, ...patch });
  return (
    <div className="filters" role="group" aria-label="Filter samples">
      <label>
        Split
        <select value={filters.split ?? ''} onChange={(e) => set({ split: (e.target.value || undefined) as SplitName | undefined })}>
          <option value="">all</option>
          <option value="train">train</option>
          <option value="valid">validation</option>
          <option value="test">test</option>
        </select>
      </label>
      <label>
        Species
        <select value={filters.species ?? ''} onChange={(e) => set({ species: (e.target.value || undefined) as Species | undefined })}>
          <option value="">all</option>
          <option value="cat">cat</option>
          <option value="dog">dog</option>
        </select>
      </label>
      <label>
        Breed
        <input
          type="search"
          value={filters.breed ?? ''}
          placeholder="e.g. Abyssinian"
          onChange={(e) => set({ breed: e.target.value.trim() || undefined })}
        />
      </label>
      <label>
        Labels
        <select
          value={filters.labeled === undefined ? '' : filters.labeled ? 'yes' : 'no'}
          onChange={(e) => set({ labeled: e.target.value === '' ? undefined : e.target.value === 'yes' })}
        >
          <option value="">all</option>
          <option value="yes">labeled</option>
          <option value="no">unlabeled</option>
        </select>
      </label>
      <label>
        Predicted by
        <select
          value={filters.runId ?? ''}
          onChange={(e) => {
            const runId = e.target.value ? Number(e.target.value) : undefined;
            set({ runId, order: runId ? 'dice-asc' : 'id' });
          }}
        >
          <option value="">no run</option>
          {runs.map((r) => (
            <option key={r.id} value={r.id}>
              #{r.id} {r.name}
            </option>
          ))}
        </select>
      </label>
      {filters.runId ? (
        <label>
          Order
          <select value={filters.order} onChange={(e) => set({ order: e.target.value as SampleFilters['order'] })}>
            <option value="dice-asc">Dice, worst first</option>
            <option value="dice-desc">Dice, best first</option>
            <option value="id">name</option>
          </select>
        </label>
      ) : null}
      <span className="muted filters-count" aria-live="polite" data-testid="sample-count">
        {total === null ? 'loading…' : `${total.toLocaleString('en')} image${total === 1 ? '' : 's'}`}
      </span>
    </div>
  );
}
