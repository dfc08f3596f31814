// A remembered dataset whose folder is gone: ask where it went (native dialog in the desktop
// app, a typed path in the browser) and call datasets.relocate, which keeps the dataset id so
// its runs and predictions stay linked.
import { useState, type FormEvent } from 'react';
import type { DatasetSummary } from '../../../../shared/contract';
import { useApi, useApp } from '../../app-context';
import { hasFolderPicker, pickFolder } from '../../api/folder-picker';
import { ErrorBox } from '../../components/ui';

export function RelocateForm({ dataset, onRelocated }: { dataset: DatasetSummary; onRelocated?: () => void }) {
  const api = useApi();
  const { refreshDatasets } = useApp();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const relocate = async (newPath: string) => {
    setBusy(true);
    setError(null);
    try {
      await api.datasets.relocate({ datasetId: dataset.id, newPath });
      await refreshDatasets();
      onRelocated?.();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const choose = async () => {
    try {
      const picked = await pickFolder(api, `Where is ${dataset.name} now?`);
      if (picked) await relocate(picked);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (path.trim()) void relocate(path.trim());
  };

  const inputId = `relocate-${dataset.id}`;
  return (
    <form className="relocate-form" onSubmit={submit} aria-label={`Locate ${dataset.name}`} noValidate>
      <p style={{ margin: '4px 0' }}>
        The folder <code>{dataset.root}</code> is gone. If it moved, show where it is now: its runs and predictions stay linked.
      </p>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        {hasFolderPicker() ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void choose()}>
            Locate folder…
          </button>
        ) : null}
        <label htmlFor={inputId} className="inline">
          New folder
          <input id={inputId} value={path} onChange={(e) => setPath(e.target.value)} placeholder="/data/oxford-iiit-pet" spellCheck={false} />
        </label>
        <button type="submit" disabled={busy || !path.trim()}>
          {busy ? 'Re-importing…' : 'Relocate'}
        </button>
      </div>
      <ErrorBox error={error} context={`Relocating ${dataset.name}`} />
    </form>
  );
}
