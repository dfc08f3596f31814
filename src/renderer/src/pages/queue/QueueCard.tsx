// One photo of the queue: its thumbnail, rank and score; in the review list the label-vs-prediction
// difference (red: labeled but not predicted, blue: predicted but not labeled) drawn over it.
import { useEffect, useState } from 'react';
import { useApi } from '../../app-context';
import { useMediaUrl } from '../../hooks/use-media';
import { fmtDice } from '../../components/ui';
import { hrefFor } from '../../router';
import type { QueueItem, QueueKind } from '../../../../shared/contract';

interface Props {
  rank: number;
  item: QueueItem;
  datasetId: number;
  runId: number;
  kind: QueueKind;
}

export function QueueCard({ rank, item, datasetId, runId, kind }: Props) {
  const api = useApi();
  const photo = useMediaUrl('thumbnail', { datasetId, sampleId: item.sampleId, size: 192 });
  const [diffUrl, setDiffUrl] = useState<string | null>(null);
  useEffect(() => {
    if (kind !== 'review') return;
    let live = true;
    let url: string | null = null;
    api.queue.difference({ datasetId, runId, sampleId: item.sampleId }).then(
      (png) => {
        if (!live) return;
        url = URL.createObjectURL(new Blob([new Uint8Array(png)], { type: 'image/png' }));
        setDiffUrl(url);
      },
      () => undefined, // the card still shows the photo and its score
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, datasetId, runId, item.sampleId, kind]);
  return (
    <li className="queue-card" data-testid="queue-card" data-sample-id={item.sampleId} data-score={item.score}>
      <a className="queue-frame" href={hrefFor({ page: 'sample', datasetId, sampleId: item.sampleId })}>
        {photo.url ? <img src={photo.url} alt={item.sampleId} loading="lazy" /> : null}
        {/* The difference is at the model's square input: stretched over the photo it lines up again. */}
        {diffUrl ? <img className="queue-diff" src={diffUrl} alt="" data-testid="queue-diff" /> : null}
      </a>
      <div className="small">
        <strong>#{rank}</strong> {item.sampleId}
      </div>
      <div className="small muted">
        {kind === 'review' ? `Dice ${fmtDice(item.dice)} · ` : ''}p(1−p) {item.meanPq.toFixed(3)} · near 0.5: {(item.nearHalfShare * 100).toFixed(0)}%
      </div>
    </li>
  );
}
