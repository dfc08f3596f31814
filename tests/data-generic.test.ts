// The generic images/ + masks/ layout: 0/255 and 0/1 masks, an unlabeled photo, seeded splits
// of everything (no official split files).
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../src/engine/data/import-dataset';
import { decodeMask } from '../src/engine/data/decode';

const ROOT = join(__dirname, 'fixtures/generic-mini');

describe('importDataset: generic layout', () => {
  it('imports labeled pairs and keeps a photo without mask as unlabeled', async () => {
    const r = await importDataset(ROOT, { seed: 1 });
    expect(r.layout).toBe('generic');
    expect(r.skipped).toEqual([]);
    expect(r.samples).toHaveLength(5);
    const unlabeled = r.samples.filter((s) => !s.maskPath);
    expect(unlabeled.map((s) => s.id)).toEqual(['unlabeled_cat']);
    expect(r.counts).toEqual({ train: 2, valid: 1, test: 1, unlabeled: 1 });
    for (const s of r.samples) {
      expect(s.maskEncoding).toBe('binary');
      expect(s.species).toBeUndefined();
      expect(s.classId).toBeUndefined();
    }
  });

  it('splits all labeled samples by seed', async () => {
    const splitOf = async (seed: number) => (await importDataset(ROOT, { seed })).samples.filter((s) => s.maskPath).map((s) => `${s.id}:${s.split}`).join();
    expect(await splitOf(3)).toBe(await splitOf(3));
    const variants = new Set(await Promise.all([1, 2, 3, 4, 5, 6].map(splitOf)));
    expect(variants.size).toBeGreaterThan(1);
  });

  it('reports a mask without a photo instead of dropping it silently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'generic-orphan-'));
    try {
      cpSync(ROOT, dir, { recursive: true });
      cpSync(join(dir, 'masks/Abyssinian_224.png'), join(dir, 'masks/renamed_cat.png'));
      const r = await importDataset(dir);
      expect(r.samples).toHaveLength(5);
      expect(r.skipped).toEqual([{ file: join(dir, 'masks/renamed_cat.png'), reason: 'mask without a photo (no images/renamed_cat.* file)' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('0/1 and 0/255 masks decode to the same kind of 0/1 mask', async () => {
    const a = await decodeMask(join(ROOT, 'masks/Abyssinian_191.png'), 'binary');
    const b = await decodeMask(join(ROOT, 'masks/Abyssinian_224.png'), 'binary');
    for (const m of [a, b]) {
      const ones = m.data.reduce((s, v) => s + v, 0);
      expect(new Set(m.data)).toEqual(new Set([0, 1]));
      expect(ones).toBeGreaterThan(m.data.length * 0.05);
      expect(ones).toBeLessThan(m.data.length * 0.95);
    }
  });
});
