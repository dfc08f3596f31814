// Augmentation preview: the same code path the trainer uses (the cached base sample at the run's
// input size, then augmentSample), so what the user sees is what the model trains on.
import sharp from 'sharp';
import type { AugmentConfig } from '../shared/run-config';
import type { AugmentPreviewItem } from '../shared/contract';
import { augmentSample } from '../engine/augment';
import { loadResizedSample } from '../engine/data/sample-cache';
import { Rng } from '../engine/util/rng';
import type { DatasetsService } from './datasets-service';

export interface AugmentPreviewInput {
  datasetId: number;
  sampleId: string;
  augment: AugmentConfig;
  seed: number;
  count: number;
  size: number;
}

export class AugmentService {
  constructor(private readonly deps: { datasets: DatasetsService }) {}

  async preview(input: AugmentPreviewInput): Promise<{ items: Array<AugmentPreviewItem & { applied: string[] }> }> {
    const { sample } = this.deps.datasets.resolveSample(input.datasetId, input.sampleId);
    const base = await loadResizedSample(sample, input.size, Boolean(sample.maskPath));
    const root = new Rng(input.seed);
    const items: Array<AugmentPreviewItem & { applied: string[] }> = [];
    for (let i = 0; i < input.count; i++) {
      const out = augmentSample(base.image, base.mask, input.augment, root.fork(i), input.size);
      const image = await sharp(Buffer.from(out.image.data), { raw: { width: out.image.width, height: out.image.height, channels: 3 } }).png().toBuffer();
      const maskBytes = new Uint8Array(input.size * input.size);
      if (out.mask) for (let k = 0; k < maskBytes.length; k++) maskBytes[k] = out.mask.data[k] ? 255 : 0;
      const mask = await sharp(Buffer.from(maskBytes), { raw: { width: input.size, height: input.size, channels: 1 } }).png().toBuffer();
      items.push({ image: new Uint8Array(image), mask: new Uint8Array(mask), applied: out.applied });
    }
    return { items };
  }
}
