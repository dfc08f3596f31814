// "Next" in the label editor: the top of the dataset's labeling queue (the photo the current model
// is least sure of), skipping this one; it names the model version that suggested it.
import { useState } from 'react';
import { useApi } from '../../app-context';
import { hrefFor, navigate } from '../../router';

export function QueueNextButton({ datasetId, sampleId }: { datasetId: number; sampleId: string }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const next = () => {
    setBusy(true);
    api.queue.next({ datasetId, kind: 'unlabeled', current: sampleId }).then(
      (n) => {
        setBusy(false);
        if (!n.sampleId) return setNote('Nothing left to label.');
        setNote(`suggested by run ${n.model.runId}, epoch ${n.model.epoch}`);
        navigate({ page: 'sample', datasetId, sampleId: n.sampleId });
      },
      (e: Error) => {
        setBusy(false);
        setNote(e.message);
      },
    );
  };
  return (
    <span className="queue-next">
      <button type="button" onClick={next} disabled={busy} data-testid="queue-next" title="The unlabeled photo the current model is least sure of">
        {busy ? 'Ranking…' : 'Next ▸'}
      </button>
      <a className="small" href={hrefFor({ page: 'queue', datasetId, kind: 'unlabeled' })}>
        queue
      </a>
      {note ? <span className="small muted" role="status"> {note}</span> : null}
    </span>
  );
}
