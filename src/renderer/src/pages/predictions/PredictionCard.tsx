// One predicted photo: true and predicted masks in two colours, or a difference view
// (agreement, false positive, false negative), with its Dice.
import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../../app-context';
import { useMediaUrl } from '../../hooks/use-media';
import { decodeMaskPng, type MaskData } from '../../labeling/mask-bitmap';
import { COLORS } from '../../labeling/overlay-pixels';
import { MaskCanvas, type OverlayLayer } from '../../components/MaskCanvas';
import { fmtDice, ErrorBox } from '../../components/ui';
import { hrefFor } from '../../router';

export type CompareView = 'both' | 'predicted' | 'truth' | 'difference';

interface Props {
  runId: number;
  datasetId: number;
  sampleId: string;
  dice: number;
  view: CompareView;
  opacity: number;
}

export function PredictionCard({ runId, datasetId, sampleId, dice, view, opacity }: Props) {
  const api = useApi();
  const photo = useMediaUrl('thumbnail', { datasetId, sampleId, size: 256 });
  const [masks, setMasks] = useState<{ predicted: MaskData; truth: MaskData | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([
      api.predictions.mask({ runId, datasetId, sampleId }).then((m) => decodeMaskPng(m.png)),
      api.datasets.readMask({ datasetId, sampleId }).then((m) => decodeMaskPng(m.png), () => null),
    ]).then(
      ([predicted, truth]) => live && setMasks({ predicted, truth }),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [api, runId, datasetId, sampleId]);

  const layers = useMemo<OverlayLayer[]>(() => {
    if (!masks) return [];
    const { predicted, truth } = masks;
    if (view === 'difference' && truth) return [{ kind: 'difference', predicted, truth }];
    const out: OverlayLayer[] = [];
    if (truth && (view === 'both' || view === 'truth')) out.push({ kind: 'mask', mask: truth, color: COLORS.truth, mode: view === 'both' ? 'outline' : 'fill' });
    if (view === 'both' || view === 'predicted') out.push({ kind: 'mask', mask: predicted, color: COLORS.predicted, mode: 'fill' });
    return out;
  }, [masks, view]);

  return (
    <figure className="prediction-card" data-testid="prediction-card" data-dice={dice}>
      <a className="prediction-frame" href={hrefFor({ page: 'sample', datasetId, sampleId })} style={masks ? { aspectRatio: `${masks.predicted.width} / ${masks.predicted.height}` } : undefined}>
        {photo.url ? <img src={photo.url} alt={sampleId} loading="lazy" /> : null}
        {masks ? <MaskCanvas width={masks.predicted.width} height={masks.predicted.height} layers={layers} opacity={view === 'both' ? Math.max(opacity, 0.6) : opacity} /> : null}
      </a>
      <figcaption>
        <span className="small">{sampleId}</span>
        <span className={`dice ${dice < 0.5 ? 'dice-bad' : dice < 0.8 ? 'dice-mid' : 'dice-good'}`}>Dice {fmtDice(dice)}</span>
      </figcaption>
      <ErrorBox error={error} context={sampleId} />
    </figure>
  );
}
