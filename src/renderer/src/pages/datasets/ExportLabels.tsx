// Exports the current dataset's own labels (its masks or trimaps, read as training reads them)
// as PNG, COCO or YOLO-seg, for a labeling tool or another trainer. Same rules as the prediction
// export: never into the dataset's folders, existing files replaced only when the box is ticked.
import { useEffect, useState, type FormEvent } from 'react';
import type { DatasetSummary, ExportLabelsResult, MaskExportFormatName } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { useEvent } from '../../hooks/use-event';
import { useExportFolders } from '../../hooks/use-export-folders';
import { ErrorBox, Field, fmtSeconds, ProgressBar } from '../../components/ui';
import { describeMaskExport, MaskFormatSelect } from '../../components/MaskFormatSelect';

type SplitChoice = 'all' | 'train' | 'valid' | 'test';

export function ExportLabels({ dataset }: { dataset: DatasetSummary }) {
  const api = useApi();
  const folders = useExportFolders();
  const [folder, setFolder] = useState('');
  const [split, setSplit] = useState<SplitChoice>('all');
  const [format, setFormat] = useState<MaskExportFormatName>('coco');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<ExportLabelsResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const defaultFolder = folders?.labels(dataset.id) ?? '';
  // A new dataset (or the data folder becoming known) starts from its own default folder.
  useEffect(() => {
    setFolder(defaultFolder);
    setResult(null);
    setError(null);
  }, [defaultFolder]);
  useEvent('export:progress', (e) => {
    if (busy && e.runId === null && e.datasetId === dataset.id) setProgress({ done: e.done, total: e.total });
  });
  const labeled = dataset.counts.train + dataset.counts.valid + dataset.counts.test;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    setProgress(null);
    try {
      setResult(await api.exports.labels({ datasetId: dataset.id, split, folder: folder.trim(), format, overwrite }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="card export-labels">
      <summary>Export labels ({labeled} labeled images)</summary>
      {/* Field names avoid the page's own ("Split", "Labels", "Dataset folder"): one label, one control. */}
      <form onSubmit={submit} aria-label="Export the dataset's masks">
        <div className="row">
          <Field id="labels-folder" label="Export to">
            <input id="labels-folder" value={folder} onChange={(e) => setFolder(e.target.value)} spellCheck={false} />
          </Field>
          <Field id="labels-split" label="Images">
            <select id="labels-split" value={split} onChange={(e) => setSplit(e.target.value as SplitChoice)}>
              <option value="all">all labeled</option>
              <option value="train">train split</option>
              <option value="valid">valid split</option>
              <option value="test">test split</option>
            </select>
          </Field>
          <MaskFormatSelect id="labels-format" value={format} onChange={setFormat} />
          <label className="inline" htmlFor="labels-overwrite">
            <input id="labels-overwrite" type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
            Replace existing files (old ones kept in .versions/)
          </label>
          <button type="submit" className="primary" disabled={busy || !folder.trim() || labeled === 0}>
            {busy ? 'Exporting…' : 'Export labels'}
          </button>
        </div>
        {busy && progress ? <ProgressBar value={progress.done} max={progress.total} label="Label export progress" /> : null}
        {result ? (
          <p className="ok-box" role="status" data-testid="labels-export-summary">
            Wrote {describeMaskExport(result)} to <code>{result.folder}</code> in {fmtSeconds(result.seconds)}
            {result.replaced > 0 ? `; replaced ${result.replaced} (previous versions in .versions/)` : ''}.
          </p>
        ) : null}
        <ErrorBox error={error} context={`Exporting the labels of ${dataset.name}`} />
      </form>
    </details>
  );
}
