// train, eval and predict name every file they leave out, with its reason: on stdout, and as
// `skipped` in --json output. Run through the CLI's own entry (main) in this process, on the
// broken fixture: a truncated JPEG, a zero-byte photo and trimap, a trimap of the wrong size, one
// holding a value outside {1, 2, 3}, a photo without a trimap and a stray .mat file.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main';

const BROKEN = resolve('tests/fixtures/oxford-broken');

/** What the broken fixture's import must report, relative to the dataset folder. */
const EXPECTED: Record<string, RegExp> = {
  'images/Abyssinian_900.jpg': /^truncated JPEG file \(no end marker\)$/,
  'images/Abyssinian_904.jpg': /^empty file \(0 bytes\)$/,
  'annotations/trimaps/american_bulldog_905.png': /^empty file \(0 bytes\)$/,
  'annotations/trimaps/Abyssinian_901.png': /^mask is 150×112 but its image is 300×225$/,
  'annotations/trimaps/Abyssinian_902.png': /^trimap has value 7 \(at x=\d+, y=\d+\), expected only 1, 2 or 3$/,
  'images/american_bulldog_903.jpg': /^no trimap \(expected .*american_bulldog_903\.png\)$/,
  'images/Abyssinian_100.mat': /^not an image file \(\.mat\)$/,
};

describe('CLI: the skipped files are named', () => {
  const work = mkdtempSync(join(tmpdir(), 'seg-cli-skipped-'));
  const data = join(work, 'broken');
  let stdout = '';
  let stderr = '';

  beforeEach(() => {
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  cpSync(BROKEN, data, { recursive: true });
  const lastJson = () => JSON.parse(stdout.trim().split('\n').pop()!) as { skipped: Array<{ file: string; reason: string }> };

  function expectNamed(text: string): void {
    for (const [file, reason] of Object.entries(EXPECTED)) {
      const line = text.split('\n').find((l) => l.trim().startsWith(`${join(data, file)}: `));
      expect(line, file).toBeDefined();
      expect(line!.trim().slice(join(data, file).length + 2), file).toMatch(reason);
    }
  }

  function expectSkippedJson(skipped: Array<{ file: string; reason: string }>): void {
    expect(skipped.map((s) => s.file).sort()).toEqual(Object.keys(EXPECTED).map((f) => join(data, f)).sort());
    for (const s of skipped) expect(s.reason, s.file).toMatch(EXPECTED[s.file.slice(data.length + 1)]!);
  }

  const ckpt = join(work, 'run', 'best');

  it('train prints the import report; --json carries it as skipped', async () => {
    const args = ['train', '--data', data, '--model', 'unet', '--base', '2', '--size', '32', '--epochs', '1', '--batch-size', '2', '--seed', '3', '--out', join(work, 'run'), '--no-record'];
    expect(await main([...args, '--json']), stderr).toBe(0);
    expectSkippedJson(lastJson().skipped);
    // Under --json the human lines go to stderr, so stdout stays one JSON object.
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expectNamed(stderr);
  }, 60_000);

  it('eval prints the report on stdout and in --json', async () => {
    expect(await main(['eval', '--data', data, '--checkpoint', ckpt, '--split', 'all']), stderr).toBe(0);
    expect(stdout).toMatch(/^skipped 7 files:$/m);
    expectNamed(stdout);
    stdout = '';
    expect(await main(['eval', '--data', data, '--checkpoint', ckpt, '--split', 'all', '--json']), stderr).toBe(0);
    expectSkippedJson(lastJson().skipped);
  }, 60_000);

  it('predict names the files it ignores or cannot read, once each', async () => {
    const photos = join(work, 'photos');
    mkdirSync(join(photos, 'nested'), { recursive: true });
    copyFileSync(join(data, 'images/Abyssinian_192.jpg'), join(photos, 'good.jpg'));
    copyFileSync(join(data, 'images/Abyssinian_900.jpg'), join(photos, 'truncated.jpg'));
    writeFileSync(join(photos, 'empty.jpg'), '');
    writeFileSync(join(photos, 'notes.txt'), 'not a photo');
    writeFileSync(join(photos, '.DS_Store'), 'Bud1');
    const masks = join(work, 'masks');
    expect(await main(['predict', '--checkpoint', ckpt, '--input', photos, '--out', masks]), stderr).toBe(0);
    const named = (name: string) => stdout.split('\n').filter((l) => l.includes(join(photos, name)));
    expect(named('notes.txt')).toEqual([`  ${join(photos, 'notes.txt')}: not an image file (.txt)`]);
    expect(named('nested')).toEqual([`  ${join(photos, 'nested')}: a folder (only the files directly in the input folder are read)`]);
    expect(named('empty.jpg')).toEqual([`  ${join(photos, 'empty.jpg')}: empty file (0 bytes)`]);
    expect(named('truncated.jpg')).toHaveLength(1);
    expect(named('truncated.jpg')[0]).toMatch(/truncated\.jpg: cannot decode image/);
    expect(stdout).not.toContain('.DS_Store');
    expect(stdout).toMatch(/wrote 1 masks .*; skipped 4 \(see above\)/);

    stdout = '';
    expect(await main(['predict', '--checkpoint', ckpt, '--input', photos, '--out', join(work, 'masks2'), '--json']), stderr).toBe(0);
    const skipped = lastJson().skipped;
    expect(skipped.map((s) => s.file.slice(photos.length + 1)).sort()).toEqual(['empty.jpg', 'nested', 'notes.txt', 'truncated.jpg']);
    expect(skipped.find((s) => s.file.endsWith('empty.jpg'))!.reason).toBe('empty file (0 bytes)');
  }, 60_000);
});
