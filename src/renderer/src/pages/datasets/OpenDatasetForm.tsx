// Opening (importing) a dataset folder. In the desktop app "Choose folder…" opens the native
// dialog (system.pickFolder) and imports the pick at once; the typed path works everywhere (the
// browser has no dialog that yields a server path). Progress arrives as dataset:import-progress.
import { useState, type FormEvent } from 'react';
import type { DatasetImportResult } from '../../../../shared/contract';
import { useApi, useApp } from '../../app-context';
import { useEvent } from '../../hooks/use-event';
import { ErrorBox, Field, ProgressBar } from '../../components/ui';
import { hasFolderPicker, pickFolder } from '../../api/folder-picker';

export function OpenDatasetForm({ onOpened }: { onOpened: (r: DatasetImportResult) => void }) {
  const api = useApi();
  const { refreshDatasets } = useApp();
  const [path, setPath] = useState('');
  const [valFraction, setValFraction] = useState('0.1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  useEvent('dataset:import-progress', (p) => {
    if (busy) setProgress({ done: p.done, total: p.total });
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void openPath(path.trim());
  };

  const choose = async () => {
    setError(null);
    try {
      const picked = await pickFolder(api, 'Open a dataset folder');
      if (!picked) return;
      setPath(picked);
      await openPath(picked);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const openPath = async (target: string) => {
    const vf = Number(valFraction);
    if (!(vf > 0 && vf < 1)) {
      setError('validation fraction must be between 0 and 1 (exclusive)');
      return;
    }
    setBusy(true);
    setError(null);
    setProgress(null);
    try {
      const r = await api.datasets.open({ path: target, valFraction: vf });
      await refreshDatasets();
      onOpened(r);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="open-form card" onSubmit={submit} aria-label="Open a dataset folder" noValidate>
      <Field id="dataset-path" label="Dataset folder" hint="Oxford-IIIT Pet layout (images/ + annotations/trimaps/) or images/ + masks/">
        <input
          id="dataset-path"
          name="path"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/data/oxford-iiit-pet"
          required
          spellCheck={false}
        />
      </Field>
      <Field id="dataset-valfraction" label="Validation fraction">
        <input id="dataset-valfraction" type="number" step="0.01" min="0.01" max="0.99" value={valFraction} onChange={(e) => setValFraction(e.target.value)} />
      </Field>
      <div className="form-actions">
        {hasFolderPicker() ? (
          <button type="button" disabled={busy} onClick={() => void choose()}>
            Choose folder…
          </button>
        ) : null}
        <button type="submit" className="primary" disabled={busy || !path.trim()}>
          {busy ? 'Importing…' : 'Open folder'}
        </button>
      </div>
      {busy && progress ? (
        <div className="import-progress">
          <ProgressBar value={progress.done} max={progress.total} label="Import progress" />
          <span className="muted">
            {progress.done} / {progress.total} files checked
          </span>
        </div>
      ) : null}
      <ErrorBox error={error} context={path ? `Opening ${path}` : undefined} />
    </form>
  );
}
