// Import of the real oxford-mini fixture: layout, counts, official split, list.txt metadata,
// and the seeded train/valid split (stable for a seed, different across seeds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../src/engine/data/import-dataset';
import { fractionCount, seededOrder, splitAll } from '../src/engine/data/split';

const ROOT = join(__dirname, 'fixtures/oxford-mini');

describe('importDataset: Oxford layout (oxford-mini)', () => {
  it('imports every pair with the official split and list.txt metadata', async () => {
    const progress: Array<[number, number]> = [];
    const r = await importDataset(ROOT, { onProgress: (d, t) => progress.push([d, t]) });
    expect(r.layout).toBe('oxford');
    expect(r.root).toBe(ROOT);
    expect(r.skipped).toEqual([]);
    expect(r.samples).toHaveLength(16);
    // 10 official trainval (10% → 1 valid) and 6 official test images.
    expect(r.counts).toEqual({ train: 9, valid: 1, test: 6, unlabeled: 0 });
    const byId = new Map(r.samples.map((s) => [s.id, s]));
    for (const id of ['Abyssinian_56', 'Abyssinian_210', 'Abyssinian_224', 'american_bulldog_207', 'american_bulldog_76', 'american_bulldog_220']) {
      expect(byId.get(id)?.split).toBe('test');
    }
    const cat = byId.get('Abyssinian_11')!;
    expect(cat).toMatchObject({ classId: 1, species: 'cat', breed: 'Abyssinian', maskEncoding: 'trimap' });
    expect(cat.imagePath).toBe(join(ROOT, 'images/Abyssinian_11.jpg'));
    expect(cat.maskPath).toBe(join(ROOT, 'annotations/trimaps/Abyssinian_11.png'));
    const dog = byId.get('american_bulldog_150')!;
    expect(dog).toMatchObject({ classId: 2, species: 'dog', breed: 'american_bulldog', width: 500, height: 334 });
    expect(r.samples.filter((s) => s.species === 'cat')).toHaveLength(8);
    // Natural order: _10 after _2-style ids, so "american_bulldog_10" precedes "american_bulldog_76".
    const ids = r.samples.map((s) => s.id);
    expect(ids.indexOf('american_bulldog_10')).toBeLessThan(ids.indexOf('american_bulldog_76'));
    expect(progress.at(-1)).toEqual([16, 16]);
    expect(progress[0]).toEqual([0, 16]);
  });

  it('keeps the valid split for a seed and changes it with the seed', async () => {
    const valid = async (seed: number) =>
      (await importDataset(ROOT, { seed, valFraction: 0.3 })).samples.filter((s) => s.split === 'valid').map((s) => s.id);
    const a = await valid(7);
    expect(a).toHaveLength(3);
    expect(await valid(7)).toEqual(a);
    const others = await Promise.all([1, 2, 3, 4].map(valid));
    expect(others.some((o) => o.join() !== a.join())).toBe(true);
    // Test stays the official test split whatever the seed.
    const r = await importDataset(ROOT, { seed: 3, valFraction: 0.3 });
    expect(r.counts.test).toBe(6);
    expect(r.samples.filter((s) => s.split === 'valid').every((s) => s.id !== 'Abyssinian_56')).toBe(true);
  });
});

describe('importDataset: Oxford layout without complete split files', () => {
  let tmp = '';
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'oxford-split-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A copy of oxford-mini whose annotations are edited by `edit`. */
  function copyWith(name: string, edit: (ann: string) => void): string {
    const dir = join(tmp, name);
    cpSync(ROOT, dir, { recursive: true });
    edit(join(dir, 'annotations'));
    return dir;
  }

  it('no trainval.txt/test.txt: a seeded split of everything, list.txt metadata kept', async () => {
    const dir = copyWith('no-split-files', (ann) => {
      rmSync(join(ann, 'trainval.txt'));
      rmSync(join(ann, 'test.txt'));
    });
    const r = await importDataset(dir, { seed: 11 });
    expect(r.skipped).toEqual([]);
    // 16 labeled: 10% test → 2, 10% valid → 2.
    expect(r.counts).toEqual({ train: 12, valid: 2, test: 2, unlabeled: 0 });
    expect(r.samples.find((s) => s.id === 'american_bulldog_76')).toMatchObject({ classId: 2, species: 'dog' });
    const splits = async (seed: number) => (await importDataset(dir, { seed })).samples.map((s) => `${s.id}:${s.split}`).join();
    expect(await splits(11)).toBe(r.samples.map((s) => `${s.id}:${s.split}`).join());
    const others = new Set(await Promise.all([1, 2, 3, 4].map(splits)));
    expect(others.size).toBeGreaterThan(1);
  });

  it('reports trimaps without a photo and stray files among the trimaps', async () => {
    const dir = copyWith('orphans', (ann) => {
      cpSync(join(ann, 'trimaps/Abyssinian_11.png'), join(ann, 'trimaps/Abyssinian_999.png'));
      writeFileSync(join(ann, 'trimaps/notes.txt'), 'not a trimap');
    });
    const r = await importDataset(dir);
    expect(r.samples).toHaveLength(16);
    expect(r.skipped).toEqual([
      { file: join(dir, 'annotations/trimaps/Abyssinian_999.png'), reason: 'trimap without a photo (no images/Abyssinian_999.* file)' },
      { file: join(dir, 'annotations/trimaps/notes.txt'), reason: 'not a trimap (trimaps are NAME.png)' },
    ]);
  });

  it('images in neither split file get a seeded train/valid/test split of their own', async () => {
    const unlisted = ['Abyssinian_192', 'Abyssinian_193', 'american_bulldog_193', 'american_bulldog_199'];
    const dir = copyWith('unlisted', (ann) => {
      const path = join(ann, 'trainval.txt');
      const kept = readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => !unlisted.includes(l.split(' ')[0]!));
      writeFileSync(path, kept.join('\n'));
    });
    const r = await importDataset(dir);
    // trainval 6 → 1 valid, 5 train; official test 6; the 4 unlisted → 1 test, 1 valid, 2 train.
    expect(r.counts).toEqual({ train: 7, valid: 2, test: 7, unlabeled: 0 });
    const byId = new Map(r.samples.map((s) => [s.id, s.split]));
    const unlistedSplits = unlisted.map((id) => byId.get(id)).sort();
    expect(unlistedSplits).toEqual(['test', 'train', 'train', 'valid']);
    // The official test split is untouched.
    for (const id of ['Abyssinian_56', 'Abyssinian_210', 'Abyssinian_224', 'american_bulldog_207', 'american_bulldog_76', 'american_bulldog_220']) {
      expect(byId.get(id)).toBe('test');
    }
  });
});

describe('seeded split helpers', () => {
  const ids = Array.from({ length: 100 }, (_, i) => `img_${i}`);

  it('orders independently of the listing order', () => {
    expect(seededOrder([...ids].reverse(), 5)).toEqual(seededOrder(ids, 5));
    expect(seededOrder(ids, 6)).not.toEqual(seededOrder(ids, 5));
  });

  it('adding one id moves no other id between splits', () => {
    const before = splitAll(ids, 0.1, 0.1, 9);
    const after = splitAll([...ids, 'img_new'], 0.1, 0.1, 9);
    let moved = 0;
    for (const id of ids) if (before.get(id) !== after.get(id)) moved++;
    // Exact counts shift by at most one item at each of the two boundaries.
    expect(moved).toBeLessThanOrEqual(2);
  });

  it('counts: rounded, at least one, never all', () => {
    expect(fractionCount(100, 0.1)).toBe(10);
    expect(fractionCount(10, 0.1)).toBe(1);
    expect(fractionCount(4, 0.1)).toBe(1);
    expect(fractionCount(1, 0.5)).toBe(0);
    expect(fractionCount(2, 0.9)).toBe(1);
    expect(fractionCount(50, 0)).toBe(0);
    const s = splitAll(ids, 0.1, 0.1, 1);
    const n = (k: string) => [...s.values()].filter((v) => v === k).length;
    expect([n('train'), n('valid'), n('test')]).toEqual([80, 10, 10]);
  });
});
