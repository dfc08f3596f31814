// Validation predictions sent after each epoch: the photo (thumbnail, stretched to the model's
// square input like the model saw it) with the predicted mask over it, and its Dice.
import { useMemo } from 'react';
import type { StudioEvents } from '../../../../shared/contract';
import { useMediaUrl } from '../../hooks/use-media';
import { MaskCanvas } from '../../components/MaskCanvas';
import { COLORS } from '../../labeling/overlay-pixels';
import { fmtDice } from '../../components/ui';

function PreviewTile({ datasetId, sample, size }: { datasetId: number | undefined; sample: StudioEvents['run:preview']['samples'][number]; size: number }) {
  const photo = useMediaUrl('thumbnail', datasetId ? { datasetId, sampleId: sample.sampleId, size: 256 } : null);
  const layers = useMemo(() => [{ kind: 'mask' as const, mask: { width: size, height: size, data: sample.mask }, color: COLORS.predicted, mode: 'fill' as const }], [sample, size]);
  return (
    <figure className="preview-tile">
      <div className="preview-frame">
        {photo.url ? <img src={photo.url} alt={sample.sampleId} /> : <div className="preview-nophoto" />}
        <MaskCanvas width={size} height={size} layers={layers} opacity={0.5} />
      </div>
      <figcaption className="small">
        {sample.sampleId} · Dice {fmtDice(sample.dice)}
      </figcaption>
    </figure>
  );
}

export function RunPreviews({ preview, datasetId }: { preview: StudioEvents['run:preview']; datasetId: number | undefined }) {
  return (
    <section className="card" aria-label="Validation predictions" data-testid="run-previews">
      <h3>Validation predictions after epoch {preview.epoch}</h3>
      <div className="preview-grid">
        {preview.samples.map((s) => (
          <PreviewTile key={s.sampleId} datasetId={datasetId} sample={s} size={preview.size} />
        ))}
      </div>
    </section>
  );
}
