// Writes a run's predicted masks of a split as PNG files (0/255 or 0/1), COCO or YOLO-seg, with progress from
// export:progress and a summary when done. Files already in the folder are replaced only when
// the box is ticked (the host keeps each old file in .versions/); a dataset's own folders are refused.
import { useState, type FormEvent } from 'react';
import type { ExportMasksResult, MaskExportFormatName, SplitName } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { useEvent } from '../../hooks/use-event';
import { ErrorBox, Field, fmtSeconds, ProgressBar } from '../../components/ui';
import { describeMaskExport, MaskFormatSelect } from '../../components/MaskFormatSelect';

export function ExportMasks({ runId, datasetId, split, defaultFolder }: { runId: number; datasetId: number; split: SplitName; defaultFolder: string }) {
  const api = useApi();
  const [folder, setFolder] = useState(defaultFolder);
  const [format, setFormat] = useState<MaskExportFormatName>('0-255');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<ExportMasksResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The folder that failed, not the field's current text (the user may be typing another one).
  const [failedFolder, setFailedFolder] = useState('');
  useEvent('export:progress', (e) => {
    if (busy && e.runId === runId && e.split === split) setProgress({ done: e.done, total: e.total });
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const target = folder.trim();
    setBusy(true);
    setError(null);
    setResult(null);
    setProgress(null);
    try {
      setResult(await api.exports.masks({ runId, datasetId, split, folder: target, format, overwrite }));
    } catch (err) {
      setFailedFolder(target);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card export-masks" onSubmit={submit} aria-label="Export masks">
      <h3>Export predicted masks</h3>
      <div className="row">
        <Field id="export-folder" label="Folder">
          <input id="export-folder" value={folder} onChange={(e) => setFolder(e.target.value)} spellCheck={false} />
        </Field>
        <MaskFormatSelect id="export-format" value={format} onChange={setFormat} />
        <label className="inline" htmlFor="export-overwrite">
          <input id="export-overwrite" type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
          Replace existing files (old ones kept in .versions/)
        </label>
        <button type="submit" className="primary" disabled={busy || !folder.trim()}>
          {busy ? 'Exporting…' : 'Export masks'}
        </button>
      </div>
      {busy && progress ? (
        <div className="row">
          <ProgressBar value={progress.done} max={progress.total} label="Export progress" />
          <span className="muted num">
            {progress.done}/{progress.total}
          </span>
        </div>
      ) : null}
      {result ? (
        <p className="ok-box" role="status" data-testid="export-summary">
          Wrote {describeMaskExport(result)} to <code>{result.folder}</code> in {fmtSeconds(result.seconds)}
          {result.replaced > 0 ? `; replaced ${result.replaced} (previous versions in .versions/)` : ''}.
        </p>
      ) : null}
      <ErrorBox error={error} context={`Exporting masks to ${failedFolder}`} />
    </form>
  );
}
