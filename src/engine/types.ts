// Types shared across the engine. Kept in one small file so the data, model, training and
// inference modules agree on shapes without importing each other.

export type Split = 'train' | 'valid' | 'test';
export type DatasetLayout = 'oxford' | 'generic';
/** How a mask file encodes classes: Oxford trimap (1 pet, 2 background, 3 border) or binary (0/1 or 0/255). */
export type MaskEncoding = 'trimap' | 'binary';

export interface Sample {
  /** File stem, unique within a dataset (e.g. "Abyssinian_10"). */
  id: string;
  imagePath: string;
  /** Absent for an unlabeled photo. */
  maskPath?: string;
  maskEncoding: MaskEncoding;
  split: Split;
  width: number;
  height: number;
  /** Oxford list.txt metadata, when known. */
  classId?: number;
  species?: 'cat' | 'dog';
  breed?: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ImportReport {
  root: string;
  layout: DatasetLayout;
  samples: Sample[];
  skipped: SkippedFile[];
  counts: Record<Split, number> & { unlabeled: number };
}

export interface ImportOptions {
  /** Fraction of trainval (or of everything, when split files are missing) held out for validation. Default 0.1. */
  valFraction?: number;
  /** Fraction used for test when split files are missing. Default 0.1. */
  testFraction?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** An image in memory: interleaved RGB, row-major, 8 bits. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array; // length width*height*3
}

/** A binary mask in memory: 0 background, 1 foreground, row-major. */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array; // length width*height
}

export type ModelName = 'unet' | 'resnet34_unet';

/** One finished epoch's numbers: what the trainer reports, the store keeps and the UI plots. */
export interface EpochMetrics {
  epoch: number;
  trainDice: number;
  trainBce: number;
  trainDiceLoss: number;
  validDice: number;
  validBce: number;
  validDiceLoss: number;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
}
