// annotations.json in the COCO format for binary masks: every exported photo is an `images`
// entry; every photo whose mask has foreground gets ONE annotation holding the whole mask as
// compressed RLE (holes and separate pieces included, pixel-exact). RLE annotations carry
// iscrowd: 1, the COCO convention for RLE segmentations (polygons are iscrowd: 0) and what
// CVAT writes for masks; `area` is the pixel count and `bbox` the tight box [x, y, w, h].
import type { BinaryMask } from '../../types';
import { rleArea, rleCounts, rleCountsToString, type CocoRle } from './coco-rle';

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
}

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: CocoRle;
  area: number;
  bbox: [number, number, number, number];
  iscrowd: 1;
}

export interface CocoDocument {
  info: { description: string; version: string; year: number; contributor: string; date_created: string };
  licenses: Array<{ id: number; name: string; url: string }>;
  images: CocoImage[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

/** Tight bounding box of the set pixels, [x, y, width, height] (pycocotools' toBbox); null when empty. */
export function maskBbox(mask: BinaryMask): [number, number, number, number] | null {
  const { width, height, data } = mask;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (!data[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/** Collects photos and masks one at a time (only the short RLE strings are kept). */
export class CocoAnnotationsBuilder {
  private readonly images: CocoImage[] = [];
  private readonly annotations: CocoAnnotation[] = [];
  private readonly category: CocoCategory;

  constructor(private readonly opts: { description: string; category: { name: string; supercategory?: string }; now?: Date }) {
    this.category = { id: 1, name: opts.category.name, supercategory: opts.category.supercategory ?? opts.category.name };
  }

  /** Adds a photo and its mask; returns the annotation written (null for an empty mask). */
  add(fileName: string, mask: BinaryMask): CocoAnnotation | null {
    const imageId = this.images.length + 1;
    this.images.push({ id: imageId, file_name: fileName, width: mask.width, height: mask.height });
    const bbox = maskBbox(mask);
    if (!bbox) return null;
    const counts = rleCounts(mask);
    const annotation: CocoAnnotation = {
      id: this.annotations.length + 1,
      image_id: imageId,
      category_id: this.category.id,
      segmentation: { size: [mask.height, mask.width], counts: rleCountsToString(counts) },
      area: rleArea(counts),
      bbox,
      iscrowd: 1,
    };
    this.annotations.push(annotation);
    return annotation;
  }

  get imageCount(): number {
    return this.images.length;
  }

  get annotationCount(): number {
    return this.annotations.length;
  }

  toDocument(): CocoDocument {
    const now = this.opts.now ?? new Date();
    return {
      info: { description: this.opts.description, version: '1.0', year: now.getUTCFullYear(), contributor: 'seg-studio', date_created: now.toISOString() },
      licenses: [],
      images: this.images,
      categories: [this.category],
      annotations: this.annotations,
    };
  }

  toJson(): string {
    return `${JSON.stringify(this.toDocument(), null, 1)}\n`;
  }
}
