// "Download Oxford-IIIT Pet": runs datasets.download and shows its dataset:download-progress
// (phase, bytes, rate, ETA). When the destination already holds a dataset the service answers
// CONFLICT; the card asks, and retries with overwrite only when the user says so.
import { useState } from 'react';
import type { StudioEvents } from '../../../../shared/contract';
import { StudioError } from '../../../../shared/contract';
import { useApi, useApp } from '../../app-context';
import { useEvent } from '../../hooks/use-event';
import { ErrorBox, ProgressBar, fmtSeconds } from '../../components/ui';
import { fmtBytes } from './format';

type Progress = StudioEvents['dataset:download-progress'];

const PHASE_LABEL: Record<Progress['phase'], string> = {
  download: 'Downloading',
  verify: 'Verifying',
  extract: 'Extracting',
  import: 'Importing',
};

export function DownloadDatasetCard({ onDownloaded }: { onDownloaded: (datasetId: number) => void }) {
  const api = useApi();
  const { refreshDatasets } = useApp();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  useEvent('dataset:download-progress', (p) => {
    if (busy) setProgress(p);
  });

  const start = async (overwrite: boolean) => {
    setBusy(true);
    setError(null);
    setConflict(null);
    setDone(null);
    setProgress(null);
    try {
      const r = await api.datasets.download({ overwrite });
      setDone(`${r.images} images imported into ${r.dest} in ${fmtSeconds(r.seconds)}${r.skipped ? ` (${r.skipped} files skipped)` : ''}.`);
      await refreshDatasets();
      onDownloaded(r.dataset.id);
    } catch (err) {
      // Only "already holds a dataset" is worth a question; a running download is a plain error.
      if (err instanceof StudioError && err.code === 'CONFLICT' && /already holds a dataset/.test(err.message)) setConflict(err.message);
      else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const p = progress;
  const isBytes = p && p.phase !== 'import';
  return (
    <section className="card download-card" aria-label="Download Oxford-IIIT Pet" data-testid="download-card">
      <div className="row-between">
        <div>
          <h3>Full dataset</h3>
          <p className="muted" style={{ margin: 0 }}>
            7,390 photos with trimaps from the official Oxford host; resumes after a dropped connection.
          </p>
        </div>
        <div style={{ display: 'flex', gap: 8 }}>
          <button type="button" className="primary" disabled={busy} onClick={() => void start(false)}>
            {busy ? 'Downloading…' : 'Download Oxford-IIIT Pet (≈ 800 MB)'}
          </button>
          {busy ? (
            <button type="button" onClick={() => void api.datasets.cancelDownload({}).catch((e: Error) => setError(e.message))}>
              Cancel download
            </button>
          ) : null}
        </div>
      </div>
      {busy && p ? (
        <div className="import-progress" data-testid="download-progress" style={{ marginTop: 8 }}>
          <ProgressBar value={p.bytes} max={p.total ?? 0} label={`${PHASE_LABEL[p.phase]} progress`} />
          <span className="muted">
            {PHASE_LABEL[p.phase]} {p.phase === 'import' ? '' : p.file}:{' '}
            {isBytes ? `${fmtBytes(p.bytes)} of ${fmtBytes(p.total)}` : `${p.bytes} of ${p.total ?? '?'} files`}
            {' · '}
            {isBytes ? `${fmtBytes(p.rate)}/s` : `${p.rate.toFixed(0)} files/s`}
            {' · '}
            {p.etaSeconds === null ? 'time left unknown' : `${fmtSeconds(p.etaSeconds)} left`}
          </span>
        </div>
      ) : null}
      {conflict ? (
        <div className="error-box" role="alert" data-testid="download-conflict">
          <p style={{ margin: '0 0 6px' }}>{conflict}</p>
          <button type="button" className="danger" onClick={() => void start(true)}>
            Replace it
          </button>{' '}
          <button type="button" onClick={() => setConflict(null)}>
            Keep the existing one
          </button>
        </div>
      ) : null}
      <ErrorBox error={error} context="Downloading Oxford-IIIT Pet" />
      {done ? <p className="muted">{done}</p> : null}
    </section>
  );
}
