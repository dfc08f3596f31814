// Labeling effort on record (issue 13): datasets.saveMask with an `effort` writes one row per
// saved mask into a real SQLite file (read back here through a separate connection, not the
// studio's repository), labeling.effort summarises them (median recomputed here), a v3 file
// upgrades to v4 with its data kept, and `seg-studio dataset effort --json` prints the summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import sharp from 'sharp';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import { LATEST_VERSION, migrate, schemaVersion } from '../src/store/migrations';
import { openStore } from '../src/store/store';
import type { EffortSummary, LabelEffort } from '../src/shared/contract';

const root = resolve(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'seg-effort-'));
const data = join(work, 'oxford-mini');
const dbPath = join(work, 'studio.db');
let s: StudioServices;
let datasetId = 0;

/** A 0/255 one-band PNG of the photo's size with a filled rectangle. */
async function maskPng(width: number, height: number, box: number): Promise<Uint8Array> {
  const px = Buffer.alloc(width * height);
  for (let y = 0; y < box; y++) px.fill(255, y * width, y * width + box);
  return new Uint8Array(await sharp(px, { raw: { width, height, channels: 1 } }).png().toBuffer());
}

async function save(sampleId: string, effort?: LabelEffort) {
  const detail = await s.dispatch('datasets', 'sample', { datasetId, sampleId });
  if (!detail.ok) throw new Error(detail.error.message);
  const { width, height } = detail.result as { width: number; height: number };
  const env = await s.dispatch('datasets', 'saveMask', { datasetId, sampleId, png: await maskPng(width, height, 20), effort });
  if (!env.ok) throw new Error(env.error.message);
  return env.result as { maskPath: string };
}

beforeAll(async () => {
  cpSync(join(root, 'tests', 'fixtures', 'oxford-mini'), data, { recursive: true });
  s = createStudioServices({ dbPath });
  const opened = await s.dispatch('datasets', 'open', { path: data });
  if (!opened.ok) throw new Error(opened.error.message);
  datasetId = (opened.result as { dataset: { id: number } }).dataset.id;
});

afterAll(() => {
  s?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('labeling effort', () => {
  it('records one row per save with an effort, and summarises the dataset', async () => {
    const runId = s.store.runs.create({ name: 'prediction source', config: { data } as never, runDirFor: (id) => join(work, `run-${id}`) }).id;
    const saves: Array<[string, LabelEffort]> = [
      ['Abyssinian_56', { seconds: 12.5, clicks: 0, strokes: 7, source: 'none', sourceRunId: null, changedPixels: null }],
      ['Abyssinian_210', { seconds: 3.25, clicks: 3, strokes: 0, source: 'interactive', sourceRunId: runId, changedPixels: 0 }],
      ['Abyssinian_224', { seconds: 40, clicks: 2, strokes: 2, source: 'interactive', sourceRunId: runId, changedPixels: 812 }],
      ['american_bulldog_76', { seconds: 1.5, clicks: 0, strokes: 0, source: 'prediction', sourceRunId: runId, changedPixels: 0 }],
    ];
    const paths: string[] = [];
    for (const [stem, e] of saves) paths.push((await save(stem, e)).maskPath);
    await save('american_bulldog_207'); // no effort sent (an older client): no row, the save still works

    const db = new BetterSqlite3(dbPath, { readonly: true });
    try {
      const rows = db
        .prepare(`SELECT s.stem, e.seconds, e.clicks, e.strokes, e.source, e.source_run_id, e.changed_pixels, e.mask_path
                  FROM label_effort e JOIN samples s ON s.id = e.sample_id ORDER BY e.id`)
        .all() as Array<Record<string, unknown>>;
      expect(rows).toEqual(
        saves.map(([stem, e], i) => ({
          stem,
          seconds: e.seconds,
          clicks: e.clicks,
          strokes: e.strokes,
          source: e.source,
          source_run_id: e.sourceRunId,
          changed_pixels: e.changedPixels,
          mask_path: paths[i],
        })),
      );
    } finally {
      db.close();
    }

    const env = await s.dispatch('labeling', 'effort', { datasetId });
    if (!env.ok) throw new Error(env.error.message);
    const sum = env.result as EffortSummary;
    // Median of 1.5, 3.25, 12.5, 40 = (3.25 + 12.5) / 2.
    expect(sum).toMatchObject({ masks: 4, medianSeconds: 7.875, totalSeconds: 57.25, medianClicks: 1, medianStrokes: 1, suggestions: 3, acceptedUnedited: 2 });
    expect(sum.acceptedShare).toBeCloseTo(2 / 3, 12);
    expect(sum.bySource).toEqual({
      none: { masks: 1, medianSeconds: 12.5 },
      prediction: { masks: 1, medianSeconds: 1.5 },
      interactive: { masks: 2, medianSeconds: 21.625 },
    });

    // The command line reads the same database.
    const cli = await promisify(execFile)(process.execPath, [join(root, 'bin', 'seg-studio.mjs'), 'dataset', 'effort', '--data', data, '--db', dbPath, '--json'], { cwd: root, timeout: 120_000 });
    const printed = JSON.parse(cli.stdout.trim().split('\n').at(-1)!);
    expect(printed).toMatchObject({ datasetId, masks: 4, medianSeconds: 7.875, acceptedUnedited: 2, suggestions: 3 });
  }, 120_000);

  it('refuses an effort that names a suggestion without its run or changed pixels', async () => {
    const detail = await s.dispatch('datasets', 'sample', { datasetId, sampleId: 'Abyssinian_56' });
    const { width, height } = (detail as { result: { width: number; height: number } }).result;
    const env = await s.dispatch('datasets', 'saveMask', {
      datasetId,
      sampleId: 'Abyssinian_56',
      png: await maskPng(width, height, 5),
      effort: { seconds: 1, clicks: 1, strokes: 0, source: 'interactive', sourceRunId: null, changedPixels: null },
    });
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.message).toContain('a suggestion (prediction, interactive) needs sourceRunId and changedPixels');
  });

  it('upgrades a v3 file to v4 keeping its runs, and effort rows follow their sample', () => {
    const file = join(work, 'v3.db');
    const raw = new BetterSqlite3(file);
    expect(migrate(raw, { target: 3 })).toEqual([1, 2, 3]);
    raw.prepare(`INSERT INTO runs (id, config_json, status, created_at, name) VALUES (1, '{"data":"/d"}', 'completed', '2026-01-01T00:00:00.000Z', 'v3 run')`).run();
    raw.close();
    const store = openStore(file);
    try {
      expect(schemaVersion(store.db)).toBe(LATEST_VERSION);
      expect(LATEST_VERSION).toBeGreaterThanOrEqual(4);
      expect(store.runs.get(1)).toMatchObject({ name: 'v3 run', status: 'completed' });
      const cols = store.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('label_effort');
      expect(cols).toEqual(expect.arrayContaining(['sample_id', 'seconds', 'clicks', 'strokes', 'source', 'source_run_id', 'changed_pixels']));
      // Removing a dataset removes its samples and so their effort rows (no orphans).
      const now = '2026-01-01T00:00:00.000Z';
      store.db.prepare(`INSERT INTO datasets (id, root, layout, name, report_json, created_at, last_used_at) VALUES (1, '/d', 'generic', 'd', '{}', ?, ?)`).run(now, now);
      store.db.prepare(`INSERT INTO samples (id, dataset_id, stem, image_path, mask_encoding, split, width, height, label_status) VALUES (1, 1, 'a', '/d/a.png', 'binary', 'train', 4, 4, 'labeled')`).run();
      store.effort.record(1, 'a', '/d/masks/a.png', { seconds: 2, clicks: 1, strokes: 0, source: 'interactive', sourceRunId: 1, changedPixels: 3 });
      store.effort.record(1, 'a', '/d/masks/a.png', { seconds: 2, clicks: 1, strokes: 0, source: 'prediction', sourceRunId: 999, changedPixels: 0 });
      expect(store.effort.list(1).map((r) => r.sourceRunId)).toEqual([1, null]); // a run that does not exist is not invented
      store.db.prepare('DELETE FROM datasets WHERE id = 1').run();
      expect(store.db.prepare('SELECT count(*) FROM label_effort').pluck().get()).toBe(0);
      expect(store.integrityCheck()).toBe('ok');
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      store.close();
    }
  });
});
