// The CLI end to end, as a user runs it after `npm ci`: model-summary, train on the repository's
// fixture, eval, predict, resume. Real processes, real images, real checkpoint files.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { readBackMasks } from './helpers/mask-check';
import sharp from 'sharp';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');

async function cli(args: string[], env: Record<string, string> = {}) {
  const res = await run(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, SEG_STUDIO_DB: join(work, 'studio.db'), ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  const lines = res.stdout.trim().split('\n');
  return { json: JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>, stdout: res.stdout, stderr: res.stderr };
}

const work = mkdtempSync(join(tmpdir(), 'seg-cli-'));

describe('seg-studio CLI', () => {
  it('model-summary gives the reference parameter counts', async () => {
    const unet = await cli(['model-summary', '--model', 'unet', '--json']);
    expect(unet.json.trainableParams).toBe(31_037_633);
    const res = await cli(['model-summary', '--model', 'resnet34_unet', '--json']);
    expect(res.json.trainableParams).toBe(48_194_497);
  });

  it('trains, evaluates, predicts and resumes on the fixture', async () => {
    const out = join(work, 'run');
    const t = await cli([
      'train', '--data_path', fixture, '--model', 'unet', '--base', '4', '--size', '64', '--epochs', '2',
      '--batch_size', '4', '--learning_rate', '0.003', '--seed', '1', '--out', out, '--json',
    ]);
    expect(t.stderr).toMatch(/backend: \w+/);
    expect(t.json.backend).toBeTruthy();
    expect(t.json.epochs).toBe(2);
    expect(typeof t.json.bestValidDice).toBe('number');
    expect(t.json.bestValidDice as number).toBeGreaterThanOrEqual(0);
    expect(typeof t.json.testDice).toBe('number');
    expect(existsSync(join(out, 'best', 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'last', 'optimizer.bin'))).toBe(true);

    const e = await cli(['eval', '--data', fixture, '--model_path', join(out, 'best'), '--split', 'all', '--json']);
    expect(e.json.images as number).toBeGreaterThan(0);
    expect(e.json.dice as number).toBeGreaterThanOrEqual(0);
    expect(e.json.dice as number).toBeLessThanOrEqual(1);

    // A folder with a photo, a PNG named .jpg (decoded by content) and a file that is no image.
    const photos = join(work, 'photos');
    cpSync(join(fixture, 'images'), photos, { recursive: true });
    const first = readdirSync(photos).filter((n) => n.endsWith('.jpg'))[0]!;
    await sharp(join(photos, first)).png().toFile(join(photos, 'really-a-png.jpg'));
    writeFileSync(join(photos, 'broken.jpg'), 'this is not an image');
    const masksDir = join(work, 'masks');
    const p = await cli(['predict', '--checkpoint', join(out, 'best'), '--input', photos, '--out', masksDir, '--overlay', '--json']);
    const decodable = readdirSync(photos).filter((n) => n !== 'broken.jpg');
    expect(p.json.written).toBe(decodable.length);
    expect((p.json.skipped as Array<{ file: string }>).map((s) => s.file)).toEqual([join(photos, 'broken.jpg')]);
    for (const name of decodable) {
      const stem = name.replace(/\.[^.]+$/, '');
      const photo = await sharp(join(photos, name)).metadata();
      const mask = await sharp(join(masksDir, `${stem}.png`)).metadata();
      expect([mask.width, mask.height]).toEqual([photo.width, photo.height]);
      expect(mask.channels).toBe(1);
      expect(existsSync(join(masksDir, 'overlays', `${stem}.png`))).toBe(true);
    }

    // The written masks, read back and scored against the trimaps by PIL/numpy (not the studio's
    // code), give the Dice eval reports for each photo at its own size.
    const evalById = new Map((e.json.perImage as Array<{ id: string; diceAtPhotoSize: number }>).map((x) => [x.id, x.diceAtPhotoSize]));
    const scored = decodable
      .map((name) => name.replace(/\.[^.]+$/, ''))
      .filter((stem) => evalById.has(stem) && existsSync(join(fixture, 'annotations', 'trimaps', `${stem}.png`)))
      .map((stem) => ({ stem, mask: join(masksDir, `${stem}.png`), maskEncoding: 'binary' as const, truth: join(fixture, 'annotations', 'trimaps', `${stem}.png`), photo: join(photos, `${stem}.jpg`) }));
    expect(scored.length).toBeGreaterThan(3);
    const checked = readBackMasks(scored).items;
    checked.forEach((c, i) => {
      expect(c.bands, c.mask).toBe(1);
      expect(Math.abs(c.dice - evalById.get(scored[i]!.stem)!), `${c.mask}: file Dice ${c.dice} vs eval`).toBeLessThanOrEqual(0.01);
    });

    const r = await cli(['train', '--resume', join(out, 'last'), '--epochs', '3', '--out', out, '--json']);
    expect(r.json.epochs).toBe(3);
  });

  it('refuses a bad config naming the field', async () => {
    await expect(cli(['train', '--data', fixture, '--size', '50', '--epochs', '1', '--json'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/size: must be a multiple of 32/),
    });
  });
});
