// The augmented versions of one sample: each image with its augmented mask over it, so a
// transform that moves the photo but not the mask would show at once.
import { useEffect, useState } from 'react';
import type { AugmentPreviewItem } from '../../../../shared/contract';
import { decodeMaskPng, type MaskData } from '../../labeling/mask-bitmap';
import { COLORS } from '../../labeling/overlay-pixels';
import { MaskCanvas } from '../../components/MaskCanvas';

interface Decoded {
  url: string;
  mask: MaskData;
}

export function AugmentGrid({ items, opacity, showMask }: { items: AugmentPreviewItem[]; opacity: number; showMask: boolean }) {
  const [decoded, setDecoded] = useState<Decoded[]>([]);
  useEffect(() => {
    let live = true;
    const urls = items.map((it) => URL.createObjectURL(new Blob([it.image as BlobPart], { type: 'image/png' })));
    Promise.all(items.map((it) => decodeMaskPng(it.mask))).then((masks) => {
      if (live) setDecoded(masks.map((mask, i) => ({ url: urls[i]!, mask })));
    });
    return () => {
      live = false;
      for (const u of urls) URL.revokeObjectURL(u);
    };
  }, [items]);
  return (
    <div className="augment-grid" data-testid="augment-grid" role="list" aria-label="Augmented versions">
      {decoded.map((d, i) => (
        <figure key={d.url} className="augment-item" role="listitem">
          <div className="augment-frame" style={{ aspectRatio: `${d.mask.width} / ${d.mask.height}` }}>
            <img src={d.url} alt={`Augmented version ${i + 1}`} data-testid="augment-image" />
            {showMask ? <MaskCanvas width={d.mask.width} height={d.mask.height} layers={[{ kind: 'mask', mask: d.mask, color: COLORS.truth, mode: 'fill' }]} opacity={opacity} /> : null}
          </div>
          <figcaption className="muted small">#{i + 1}</figcaption>
        </figure>
      ))}
    </div>
  );
}
