// The broken fixture: every known kind of bad file is listed in `skipped` with its reason,
// good files (including a PNG and a GIF named .jpg) are imported, and nothing throws.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { importDataset } from '../src/engine/data/import-dataset';

const ROOT = join(__dirname, 'fixtures/oxford-broken');

describe('importDataset: oxford-broken', () => {
  it('imports the good pairs and reports each bad file with its reason', async () => {
    const r = await importDataset(ROOT);
    expect(r.layout).toBe('oxford');
    expect(r.samples.map((s) => s.id).sort()).toEqual(['Abyssinian_192', 'Abyssinian_34', 'Abyssinian_5', 'american_bulldog_150']);
    const reasons = new Map(r.skipped.map((s) => [s.file.slice(ROOT.length + 1), s.reason]));
    expect([...reasons.keys()].sort()).toEqual(
      [
        'annotations/trimaps/Abyssinian_901.png',
        'annotations/trimaps/Abyssinian_902.png',
        'annotations/trimaps/american_bulldog_905.png',
        'images/Abyssinian_100.mat',
        'images/Abyssinian_904.jpg',
        'images/Abyssinian_900.jpg',
        'images/american_bulldog_903.jpg',
      ].sort(),
    );
    expect(reasons.get('images/Abyssinian_900.jpg')).toMatch(/truncated JPEG/);
    expect(reasons.get('annotations/trimaps/Abyssinian_901.png')).toMatch(/150×112 but its image is 300×225/);
    expect(reasons.get('annotations/trimaps/Abyssinian_902.png')).toMatch(/value 7\b/);
    expect(reasons.get('images/american_bulldog_903.jpg')).toMatch(/no trimap/);
    expect(reasons.get('images/Abyssinian_100.mat')).toMatch(/not an image file/);
    expect(reasons.get('images/Abyssinian_904.jpg')).toBe('empty file (0 bytes)');
    expect(reasons.get('annotations/trimaps/american_bulldog_905.png')).toBe('empty file (0 bytes)');
    // Dotfiles are neither samples nor skip entries.
    expect(r.skipped.some((s) => s.file.includes('/.'))).toBe(false);
  });

  it('reads the true size of files whose extension lies about their format', async () => {
    const r = await importDataset(ROOT);
    const byId = new Map(r.samples.map((s) => [s.id, s]));
    expect(byId.get('Abyssinian_5')).toMatchObject({ width: 305, height: 201, split: expect.any(String) });
    expect(byId.get('Abyssinian_34')).toMatchObject({ width: 177, height: 300 });
    expect(r.counts.train + r.counts.valid + r.counts.test).toBe(4);
  });

  it('refuses a folder that is not a dataset with a message naming it', async () => {
    await expect(importDataset(join(ROOT, 'images'))).rejects.toThrow(/images: not a dataset folder/);
    await expect(importDataset(join(ROOT, 'nope'))).rejects.toThrow(/nope: dataset folder does not exist/);
  });
});
