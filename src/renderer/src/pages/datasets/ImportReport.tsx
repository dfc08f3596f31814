// What an import found: counts per split and every skipped file with its reason.
import type { DatasetImportResult } from '../../../../shared/contract';

export function ImportReport({ report, onClose }: { report: DatasetImportResult; onClose: () => void }) {
  const { dataset, skipped } = report;
  const c = dataset.counts;
  return (
    <section className="card import-report" aria-label="Import report" data-testid="import-report">
      <header className="row-between">
        <h3>Imported {dataset.name}</h3>
        <button type="button" onClick={onClose} aria-label="Close import report">Close</button>
      </header>
      <p>
        {dataset.layout === 'oxford' ? 'Oxford-IIIT Pet layout' : 'images/ + masks/ layout'} at <code>{dataset.root}</code>: {c.train} train,{' '}
        {c.valid} validation, {c.test} test, {c.unlabeled} unlabeled; {dataset.skipped} skipped.
      </p>
      {skipped.length ? (
        <details open={skipped.length <= 10}>
          <summary>
            {dataset.skipped} skipped file{dataset.skipped === 1 ? '' : 's'}
            {dataset.skipped > skipped.length ? ` (first ${skipped.length} shown)` : ''}
          </summary>
          <ul className="skipped-list">
            {skipped.map((s) => (
              <li key={s.file}>
                <code>{s.file}</code> — {s.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : (
        <p className="muted">Every file was imported.</p>
      )}
    </section>
  );
}
