// Unsaved label edits kept in the browser's storage, one draft per photo, so a reload, a closed
// window or a crash does not lose them: the editor offers the draft back when the photo is
// opened again. Masks are stored run-length encoded (a 500×375 label is a few hundred runs).
import type { MaskData } from './mask-bitmap';
import { decodeMaskRuns, encodeMaskRuns } from '../../../shared/mask-runs';

const PREFIX = 'seg-studio.label-draft:';
/** Oldest drafts are dropped beyond this many (or when the storage is full). */
const MAX_DRAFTS = 40;

export interface LabelDraft {
  mask: MaskData;
  /** The photo's file, so a draft is never offered for another dataset that reused the id. */
  imagePath: string;
  savedAt: number;
}

interface Stored {
  w: number;
  h: number;
  /** Alternating run lengths, starting with background (0). */
  runs: number[];
  imagePath: string;
  savedAt: number;
}

function key(datasetId: number, sampleId: string): string {
  return `${PREFIX}${datasetId}/${sampleId}`;
}

function draftKeys(): string[] {
  const keys: string[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k?.startsWith(PREFIX)) keys.push(k);
  }
  return keys;
}

function savedAtOf(k: string): number {
  try {
    return (JSON.parse(localStorage.getItem(k) ?? '{}') as Stored).savedAt ?? 0;
  } catch {
    return 0;
  }
}

/** Drops the oldest drafts of other photos until `keep` more fit under the limit. */
function pruneOldest(except: string, keep: number): boolean {
  const others = draftKeys()
    .filter((k) => k !== except)
    .sort((a, b) => savedAtOf(a) - savedAtOf(b));
  const drop = Math.max(1, others.length - (MAX_DRAFTS - keep));
  for (const k of others.slice(0, drop)) localStorage.removeItem(k);
  return others.length > 0;
}

export function writeDraft(datasetId: number, sampleId: string, imagePath: string, mask: MaskData): void {
  const k = key(datasetId, sampleId);
  const value = JSON.stringify({ w: mask.width, h: mask.height, runs: encodeMaskRuns(mask.data), imagePath, savedAt: Date.now() } satisfies Stored);
  if (draftKeys().length >= MAX_DRAFTS && !localStorage.getItem(k)) pruneOldest(k, 1);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      localStorage.setItem(k, value);
      return;
    } catch {
      // Storage full: make room by dropping the oldest drafts of other photos.
      if (!pruneOldest(k, 1)) return;
    }
  }
}

export function readDraft(datasetId: number, sampleId: string): LabelDraft | null {
  const raw = localStorage.getItem(key(datasetId, sampleId));
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Stored;
    const data = decodeMaskRuns(s.runs, s.w * s.h);
    if (!data) return null;
    return { mask: { width: s.w, height: s.h, data }, imagePath: s.imagePath, savedAt: s.savedAt };
  } catch {
    return null;
  }
}

export function clearDraft(datasetId: number, sampleId: string): void {
  localStorage.removeItem(key(datasetId, sampleId));
}
