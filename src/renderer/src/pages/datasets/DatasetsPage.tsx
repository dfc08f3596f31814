// Datasets: pick, open, download or relocate a dataset, read its import report, filter and
// scroll its thumbnails. A new user finds the bundled sample already open (services, first start).
import { useEffect, useState } from 'react';
import type { DatasetImportResult } from '../../../../shared/contract';
import { useApi, useApp } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useSamplePages, type SampleFilters } from '../../hooks/use-sample-pages';
import { hrefFor, navigate } from '../../router';
import { EmptyState, ErrorBox } from '../../components/ui';
import { VirtualGrid } from '../../components/VirtualGrid';
import { Thumbnail, THUMB_SIZE } from '../../components/Thumbnail';
import { OpenDatasetForm } from './OpenDatasetForm';
import { ImportReport } from './ImportReport';
import { SampleFiltersBar } from './SampleFiltersBar';
import { DownloadDatasetCard } from './DownloadDatasetCard';
import { RememberedDatasets } from './RememberedDatasets';
import { RelocateForm } from './RelocateForm';
import { ExportLabels } from './ExportLabels';
import { LabelingEffort } from './LabelingEffort';

export function DatasetsPage({ datasetId }: { datasetId?: number }) {
  const api = useApi();
  const { datasets, datasetsError } = useApp();
  const [report, setReport] = useState<DatasetImportResult | null>(null);
  const [filters, setFilters] = useState<SampleFilters>({ order: 'id' });
  const current = datasets.find((d) => d.id === datasetId) ?? (datasetId === undefined ? datasets[0] : undefined);
  const runs = useAsync(() => api.runs.list({}), [api]);
  const pages = useSamplePages(current?.id, filters);

  useEffect(() => setFilters({ order: 'id' }), [current?.id]);

  return (
    <div className="page datasets-page">
      <header className="page-header">
        <h2>Datasets</h2>
        {datasets.length ? (
          <label className="inline">
            Dataset
            <select value={current?.id ?? ''} onChange={(e) => navigate({ page: 'datasets', datasetId: Number(e.target.value) })} aria-label="Current dataset">
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({d.counts.train + d.counts.valid + d.counts.test + d.counts.unlabeled})
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </header>
      <ErrorBox error={datasetsError} context="Listing datasets" />
      <OpenDatasetForm
        onOpened={(r) => {
          setReport(r);
          navigate({ page: 'datasets', datasetId: r.dataset.id });
        }}
      />
      {report ? <ImportReport report={report} onClose={() => setReport(null)} /> : null}
      <DownloadDatasetCard onDownloaded={(id) => navigate({ page: 'datasets', datasetId: id })} />
      <RememberedDatasets datasets={datasets} currentId={current?.id} />
      {!current ? (
        <EmptyState title="No dataset open yet">
          <p>
            Type the folder of an Oxford-IIIT Pet download (with <code>images/</code> and <code>annotations/trimaps/</code>) or any folder with{' '}
            <code>images/</code> and <code>masks/</code> above, then press <em>Open folder</em> — or download the full dataset.
          </p>
        </EmptyState>
      ) : current.missing ? (
        // Browsing would fail on every thumbnail; ask where the folder went instead.
        <section className="card" aria-label={`${current.name} is missing`} data-testid="dataset-moved">
          <h3>{current.name}: folder not found</h3>
          <RelocateForm dataset={current} />
        </section>
      ) : (
        <>
        <ExportLabels dataset={current} />
        <LabelingEffort dataset={current} />
        <p>
          <a href={hrefFor({ page: 'queue', datasetId: current.id, kind: 'unlabeled' })} data-testid="open-queue">Labeling queue</a> ·{' '}
          <a href={hrefFor({ page: 'queue', datasetId: current.id, kind: 'review' })}>Review labels</a>
        </p>
        <section className="grid-section" aria-label={`Samples of ${current.name}`}>
          <SampleFiltersBar filters={filters} onChange={setFilters} runs={(runs.data ?? []).filter((r) => r.epochsCompleted > 0)} total={pages.total} />
          <ErrorBox error={pages.error} context={`Loading samples of ${current.name}`} />
          {pages.total === 0 ? (
            <EmptyState title="No images match these filters">
              <p>{filters.runId ? 'This run has not predicted this dataset yet: run a prediction from the Predictions page.' : 'Clear a filter to see more.'}</p>
            </EmptyState>
          ) : (
            <VirtualGrid
              total={pages.total ?? 0}
              cellWidth={THUMB_SIZE + 16}
              cellHeight={THUMB_SIZE + 52}
              onRange={pages.ensureRange}
              label={`Thumbnails of ${current.name}`}
              renderCell={(i, tabIndex) => {
                const s = pages.get(i);
                return <Thumbnail datasetId={current.id} sample={s} href={s ? hrefFor({ page: 'sample', datasetId: current.id, sampleId: s.id }) : null} tabIndex={tabIndex} />;
              }}
            />
          )}
        </section>
        </>
      )}
    </div>
  );
}
