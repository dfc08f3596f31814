// What a layout scanner hands to the importer: photo/mask pairs still to be checked, files
// already known to be unusable, and the official split when the layout has one.
import type { DatasetLayout, MaskEncoding, SkippedFile } from '../types';

export interface Candidate {
  id: string;
  imagePath: string;
  maskPath?: string;
  /** Set when the layout requires a mask and it is missing: the path where it was expected. */
  missingMask?: string;
  classId?: number;
  species?: 'cat' | 'dog';
  breed?: string;
  /** From Oxford trainval.txt / test.txt; absent when the layout has no official split or the image is in neither file. */
  officialSplit?: 'trainval' | 'test';
}

export interface LayoutScan {
  layout: DatasetLayout;
  encoding: MaskEncoding;
  candidates: Candidate[];
  skipped: SkippedFile[];
  /** True when official split files exist: trainval is split into train/valid, test kept, the rest split seeded. */
  hasOfficialSplit: boolean;
}
