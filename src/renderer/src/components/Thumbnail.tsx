// One grid cell: the lazy thumbnail and a caption (id, split, labeled, predicted Dice).
import type { SampleSummary } from '../../../shared/contract';
import { useMediaUrl } from '../hooks/use-media';
import { fmtDice } from './ui';

export const THUMB_SIZE = 160;

export function Thumbnail({ datasetId, sample, href, tabIndex }: { datasetId: number; sample: SampleSummary | undefined; href: string | null; tabIndex?: 0 | -1 }) {
  const { url, error } = useMediaUrl('thumbnail', sample ? { datasetId, sampleId: sample.id, size: THUMB_SIZE } : null);
  if (!sample || !href) return <div className="thumb thumb-loading" aria-hidden="true" />;
  return (
    <a className="thumb" href={href} title={sample.id} data-sample-id={sample.id} tabIndex={tabIndex}>
      <div className="thumb-img">
        {url ? (
          <img src={url} alt={sample.id} loading="lazy" decoding="async" width={THUMB_SIZE} height={THUMB_SIZE} />
        ) : error ? (
          <span className="thumb-error" role="img" aria-label={`thumbnail failed: ${error}`}>!</span>
        ) : null}
      </div>
      <div className="thumb-caption">
        <span className="thumb-name">{sample.id}</span>
        <span className="thumb-tags">
          <span className={`tag tag-${sample.split}`}>{sample.split}</span>
          {sample.labeled ? null : <span className="tag tag-unlabeled">unlabeled</span>}
          {sample.predictedDice !== undefined ? <span className="tag tag-dice">Dice {fmtDice(sample.predictedDice)}</span> : null}
        </span>
      </div>
    </a>
  );
}
