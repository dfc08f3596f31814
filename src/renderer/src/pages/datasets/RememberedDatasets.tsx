// Every remembered dataset with its sample counts and last use, most recent first. Remove forgets
// a dataset in the studio only (its files stay on disk); a dataset whose folder is gone can be
// located again (RelocateForm).
import { useState } from 'react';
import type { DatasetSummary } from '../../../../shared/contract';
import { useApi, useApp } from '../../app-context';
import { hrefFor, navigate } from '../../router';
import { ErrorBox } from '../../components/ui';
import { RelocateForm } from './RelocateForm';
import { fmtWhen, totalImages } from './format';

function DatasetRow({ d, current }: { d: DatasetSummary; current: boolean }) {
  const api = useApi();
  const { refreshDatasets } = useApp();
  const [confirming, setConfirming] = useState(false);
  const [locating, setLocating] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    setError(null);
    try {
      await api.datasets.remove({ datasetId: d.id });
      setConfirming(false);
      await refreshDatasets();
      if (current) navigate({ page: 'datasets' });
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <li className="dataset-row" data-testid="dataset-row" aria-current={current ? 'true' : undefined} style={{ padding: '6px 0', borderTop: '1px solid var(--border)' }}>
      <div className="row-between">
        <div>
          <a href={hrefFor({ page: 'datasets', datasetId: d.id })}>
            <strong>{d.name}</strong>
          </a>{' '}
          <span className="muted" data-testid="dataset-counts">
            {totalImages(d)} images ({d.counts.train} train, {d.counts.valid} valid, {d.counts.test} test
            {d.counts.unlabeled ? `, ${d.counts.unlabeled} unlabeled` : ''})
          </span>
          <div className="muted" style={{ fontSize: '0.9em' }}>
            <code>{d.root}</code> · last used {fmtWhen(d.lastUsedAt ?? d.importedAt)}
            {d.missing ? (
              <strong style={{ color: 'var(--danger)' }} data-testid="dataset-missing">
                {' '}
                · folder not found
              </strong>
            ) : null}
          </div>
        </div>
        <div style={{ display: 'flex', gap: 6 }}>
          {d.missing ? (
            <button type="button" onClick={() => setLocating((v) => !v)}>
              Locate…
            </button>
          ) : null}
          {confirming ? (
            <>
              <button type="button" className="danger" onClick={() => void remove()}>
                Forget {d.name}
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setConfirming(true)} aria-label={`Remove ${d.name}`}>
              Remove
            </button>
          )}
        </div>
      </div>
      {confirming ? <p className="muted" style={{ margin: '4px 0' }}>The studio forgets it and its predictions; no file is deleted.</p> : null}
      {d.missing && locating ? <RelocateForm dataset={d} onRelocated={() => setLocating(false)} /> : null}
      <ErrorBox error={error} context={`Removing ${d.name}`} />
    </li>
  );
}

export function RememberedDatasets({ datasets, currentId }: { datasets: DatasetSummary[]; currentId: number | undefined }) {
  if (!datasets.length) return null;
  return (
    <details className="card remembered-datasets" aria-label="Remembered datasets" open={datasets.some((d) => d.missing)}>
      <summary>
        Remembered datasets ({datasets.length}){datasets.some((d) => d.missing) ? ' — a folder is missing' : ''}
      </summary>
      <ul style={{ listStyle: 'none', margin: '8px 0 0', padding: 0 }}>
        {datasets.map((d) => (
          <DatasetRow key={d.id} d={d} current={d.id === currentId} />
        ))}
      </ul>
    </details>
  );
}
