// The last validation predictions of a run, kept in its run folder so the run page shows them
// again when a finished run is reopened (the run:preview event reaches only pages open at the
// time). One JSON file, replaced atomically (temp file, rename): masks are size×size bytes of
// 0/1, stored base64.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunPreview } from '../shared/contract';

const FILE = 'preview.json';

interface StoredPreview {
  epoch: number;
  size: number;
  samples: Array<{ sampleId: string; dice: number; mask: string }>;
}

export function writeRunPreview(runDir: string, preview: RunPreview): void {
  const stored: StoredPreview = {
    epoch: preview.epoch,
    size: preview.size,
    samples: preview.samples.map((s) => ({ sampleId: s.sampleId, dice: s.dice, mask: Buffer.from(s.mask).toString('base64') })),
  };
  const path = join(runDir, FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(stored));
  renameSync(tmp, path);
}

/** The stored preview, or null when the run has none (or the file is unreadable: it is only a view). */
export function readRunPreview(runDir: string): RunPreview | null {
  const path = join(runDir, FILE);
  if (!existsSync(path)) return null;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as StoredPreview;
    const samples = s.samples.map((x) => ({ sampleId: x.sampleId, dice: x.dice, mask: new Uint8Array(Buffer.from(x.mask, 'base64')) }));
    if (!samples.every((x) => x.mask.length === s.size * s.size)) return null;
    return { epoch: s.epoch, size: s.size, samples };
  } catch {
    return null;
  }
}
