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
  /** From Oxford trainval.txt / test.txt; absent when the layout has no official split. */
  officialSplit?: 'trainval' | 'test';
}

export interface LayoutScan {
  layout: DatasetLayout;
  encoding: MaskEncoding;
  candidates: Candidate[];
  skipped: SkippedFile[];
  /** True when official split files exist, so only trainval is split (into train/valid). */
  hasOfficialSplit: boolean;
}
