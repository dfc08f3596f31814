// Writes a run's checkpoint into a folder the user names: TensorFlow.js layers format, or ONNX
// (float32 or float16) for onnxruntime and the tools that read it. Existing files are refused
// unless the user ticks the replace box (the old files are then kept in .versions/).
import { useState, type FormEvent } from 'react';
import type { ExportModelResult } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { ErrorBox, Field } from '../../components/ui';

type ModelExportChoice = 'tfjs' | 'onnx' | 'onnx-fp16' | 'pytorch';

export function ExportModel({ runId, defaultFolder }: { runId: number; defaultFolder: string }) {
  const api = useApi();
  const [folder, setFolder] = useState(defaultFolder);
  const [which, setWhich] = useState<'best' | 'last'>('best');
  const [format, setFormat] = useState<ModelExportChoice>('tfjs');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ExportModelResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The folder that failed, not the field's current text (the user may be typing another one).
  const [failedFolder, setFailedFolder] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const target = folder.trim();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.exports.model({ runId, folder: target, which, format: format === 'onnx-fp16' ? 'onnx' : format, fp16: format === 'onnx-fp16', overwrite }));
    } catch (err) {
      setFailedFolder(target);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card export-model" onSubmit={submit} aria-label="Export the model">
      <h3>Export the model</h3>
      <div className="row">
        <Field id={`export-model-folder-${runId}`} label="Folder">
          <input id={`export-model-folder-${runId}`} value={folder} onChange={(e) => setFolder(e.target.value)} spellCheck={false} />
        </Field>
        <Field id={`export-model-which-${runId}`} label="Checkpoint">
          <select id={`export-model-which-${runId}`} value={which} onChange={(e) => setWhich(e.target.value as 'best' | 'last')}>
            <option value="best">best (highest validation Dice)</option>
            <option value="last">last epoch</option>
          </select>
        </Field>
        <Field id={`export-model-format-${runId}`} label="Format">
          <select id={`export-model-format-${runId}`} value={format} onChange={(e) => setFormat(e.target.value as ModelExportChoice)}>
            <option value="tfjs">TensorFlow.js (model.json + weights.bin)</option>
            <option value="onnx">ONNX (model.onnx, float32)</option>
            <option value="onnx-fp16">ONNX float16 (model-fp16.onnx, half the size)</option>
            <option value="pytorch">PyTorch state_dict (model.pth, for the reference model)</option>
          </select>
        </Field>
        <label className="inline" htmlFor={`export-model-overwrite-${runId}`}>
          <input id={`export-model-overwrite-${runId}`} type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
          Replace existing files (old ones kept in .versions/)
        </label>
        <button type="submit" disabled={busy || !folder.trim()}>
          {busy ? 'Exporting…' : 'Export model'}
        </button>
      </div>
      {result ? (
        <p className="ok-box" role="status">
          Wrote {result.files.length} file(s) to <code>{result.folder}</code>: {result.files.join(', ')}
        </p>
      ) : null}
      <ErrorBox error={error} context={`Exporting run ${runId} to ${failedFolder}`} />
    </form>
  );
}
