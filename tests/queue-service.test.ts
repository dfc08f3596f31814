// The labeling queue and keep-fresh on a real SQLite file, real photos and real training runs
// (workers forked as the app forks them). Checked against numbers the queue did not compute:
// the uncertainty ranking against probabilities from an independent TensorFlow.js loader on its
// CPU backend (tests/helpers/tfjs-predict.mjs), the review list's Dice against evaluateModel's
// per-image Dice (tfjs ops), the difference overlay's pixels against the label's own pixel count.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok as dispatchOk } from './helpers/dispatch';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import { decodeImage } from '../src/engine/data/decode';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import { evaluateModel } from '../src/engine/infer/evaluate';
import { loadResizedSample } from '../src/engine/data/sample-cache';
import { RunQueue } from '../src/services/run-queue';
import type { Envelope, KeepFreshSettings, QueueNext, QueueResult, StudioEvent } from '../src/shared/contract';

const root = resolve(import.meta.dirname, '..');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');
const tmp = mkdtempSync(join(tmpdir(), 'queue-svc-'));
const data = join(tmp, 'pets');
let s: StudioServices;
let datasetId = 0;
let runId = 0;
const events: StudioEvent[] = [];
const SIZE = 32;
const tiny = (epochs: number) => ({ data, model: 'unet', base: 4, size: SIZE, epochs, batchSize: 4, seed: 1, augment: { enabled: false } });

const ok = <T>(domain: string, op: string, args: unknown = {}) => dispatchOk<T>(s, domain, op, args);

/** A 0/255 one-band mask of the photo's size: a centred box (any label will do for the queue). */
async function boxMask(sampleId: string): Promise<Uint8Array> {
  const img = await sharp(join(data, 'images', `${sampleId}.jpg`)).metadata();
  const w = img.width!;
  const h = img.height!;
  const px = Buffer.alloc(w * h);
  for (let y = Math.floor(h / 4); y < (3 * h) / 4; y++) px.fill(255, y * w + Math.floor(w / 4), y * w + Math.floor((3 * w) / 4));
  return new Uint8Array(await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer());
}

beforeAll(async () => {
  // A generic-layout copy of the fixture with labels for 10 photos and 6 left unlabeled. The
  // masks are made by PIL from the trimaps (pet and border = object).
  mkdirSync(join(data, 'masks'), { recursive: true });
  cpSync(join(fixture, 'images'), join(data, 'images'), { recursive: true });
  const ids = readdirSync(join(data, 'images')).map((f) => f.replace(/\.jpg$/, '')).sort();
  const labeled = ids.filter((_, i) => i % 8 < 5);
  execFileSync('/usr/bin/python3', [
    '-c',
    'import sys,numpy as np\nfrom PIL import Image\nsrc,dst=sys.argv[1],sys.argv[2]\nfor n in sys.argv[3:]:\n  t=np.array(Image.open(f"{src}/{n}.png"))\n  Image.fromarray(np.where((t==1)|(t==3),255,0).astype(np.uint8),"L").save(f"{dst}/{n}.png")',
    join(fixture, 'annotations', 'trimaps'),
    join(data, 'masks'),
    ...labeled,
  ]);
  s = createStudioServices({ dbPath: join(tmp, 'app', 'studio.db'), recover: false });
  s.bus.subscribe((e) => events.push(e));
  datasetId = (await ok<{ dataset: { id: number } }>('datasets', 'open', { path: data })).dataset.id;
  runId = (await ok<{ runId: number }>('runs', 'start', { config: tiny(2), name: 'plain' })).runId;
  await s.runs.whenIdle();
  expect(s.store.runs.get(runId)!.status).toBe('completed');
}, 300_000);

afterAll(() => {
  s?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('queue.get / queue.next', () => {
  it('ranks unlabeled photos by mean p(1−p), as an independent predictor computes it, and caches the scores', async () => {
    const q = await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'unlabeled' });
    expect(q.total).toBe(6);
    expect(q.scoredNow).toBe(6);
    expect(q.model.runId).toBe(runId);
    expect(q.model.epoch).toBe(s.store.runs.get(runId)!.bestEpoch);
    // The same photos through tfjs' own loader and CPU kernels.
    const run = s.store.runs.get(runId)!;
    const ids = q.items.map((i) => i.sampleId);
    const x = new Float32Array(ids.length * SIZE * SIZE * 3);
    for (const [i, id] of ids.entries()) modelInputFromImage(await decodeImage(join(data, 'images', `${id}.jpg`)), SIZE, x, i * SIZE * SIZE * 3);
    writeFileSync(join(tmp, 'x.f32'), Buffer.from(x.buffer));
    execFileSync(process.execPath, [join(root, 'tests/helpers/tfjs-predict.mjs'), join(run.runDir, 'best'), join(tmp, 'x.f32'), String(ids.length), String(SIZE), join(tmp, 'y.f32')]);
    const raw = readFileSync(join(tmp, 'y.f32'));
    const y = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const px = SIZE * SIZE;
    const pq = ids.map((_, i) => {
      let a = 0;
      for (let k = i * px; k < (i + 1) * px; k++) a += y[k]! * (1 - y[k]!);
      return a / px;
    });
    q.items.forEach((it, i) => expect(it.meanPq, it.sampleId).toBeCloseTo(pq[i]!, 4));
    // Ranked: most uncertain first.
    for (let i = 1; i < pq.length; i++) expect(pq[i - 1]! + 1e-5).toBeGreaterThanOrEqual(pq[i]!);
    expect(pq[0]! - pq[pq.length - 1]!).toBeGreaterThan(0);

    const again = await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'unlabeled' });
    expect(again.scoredNow).toBe(0);
    expect(again.items).toEqual(q.items);
    const next = await ok<QueueNext>('queue', 'next', { datasetId, kind: 'unlabeled', current: ids[0] });
    // No runId: the newest plain run on the dataset.
    expect([next.sampleId, next.remaining, next.model.runId]).toEqual([ids[1], 5, runId]);
  }, 120_000);

  it('reviews labels by disagreement, with a difference overlay that adds up to the same Dice', async () => {
    const r = await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'review' });
    expect(r.total).toBe(10);
    const ckpt = await loadCheckpoint(join(s.store.runs.get(runId)!.runDir, 'best'));
    const samples = (['train', 'valid', 'test'] as const).flatMap((sp) => s.store.datasets.samplesOfSplit(datasetId, sp)).filter((x) => x.maskPath);
    const ev = await evaluateModel(ckpt.model, samples, { size: SIZE, batchSize: 4 });
    ckpt.model.dispose();
    const diceById = new Map(ev.perImage.map((p) => [p.id, p.dice]));
    for (const it of r.items) expect(it.dice, it.sampleId).toBeCloseTo(diceById.get(it.sampleId)!, 6);
    for (let i = 1; i < r.items.length; i++) expect(r.items[i - 1]!.score).toBeGreaterThanOrEqual(r.items[i]!.score);
    // The top item's overlay: red = label only, blue = prediction only, transparent = agree.
    const top = r.items[0]!;
    const png = await ok<Uint8Array>('queue', 'difference', { datasetId, runId, sampleId: top.sampleId });
    const { data: rgba, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([SIZE, SIZE, 4]);
    let fn = 0;
    let fp = 0;
    for (let i = 0; i < SIZE * SIZE; i++) {
      if (rgba[i * 4 + 3] === 0) continue;
      if (rgba[i * 4] === 255) fn++;
      else if (rgba[i * 4 + 2] === 255) fp++;
    }
    const label = (await loadResizedSample(samples.find((x) => x.id === top.sampleId)!, SIZE)).mask!.data;
    const labelPixels = label.reduce((a, v) => a + v, 0);
    const inter = labelPixels - fn;
    const dice = 2 * inter + fn + fp === 0 ? 1 : (2 * inter) / (2 * inter + fn + fp);
    expect(dice).toBeCloseTo(top.dice!, 6);
  }, 120_000);

  it('rescoring only what changed: a saved label moves its photo to review, a new checkpoint rescoring all', async () => {
    const before = await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'unlabeled' });
    const picked = before.items[0]!.sampleId;
    await ok('datasets', 'saveMask', { datasetId, sampleId: picked, png: await boxMask(picked) });
    const after = await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'unlabeled' });
    expect([after.total, after.scoredNow]).toEqual([5, 0]);
    expect(after.items.map((i) => i.sampleId)).not.toContain(picked);
    const review = await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'review' });
    expect([review.total, review.scoredNow]).toEqual([11, 1]);
    // A checkpoint written again (a resumed run, a fine-tune): every score is stale.
    const meta = join(s.store.runs.get(runId)!.runDir, 'best', 'checkpoint.json');
    const t = new Date(statSync(meta).mtimeMs + 5000);
    utimesSync(meta, t, t);
    expect((await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'unlabeled' })).scoredNow).toBe(5);
  }, 120_000);
});

describe('keep the model fresh', () => {
  it('queues one low-priority fine-tune after N saves, behind user runs, and the queue then ranks with it', async () => {
    const sourceMeta = join(s.store.runs.get(runId)!.runDir, 'best', 'checkpoint.json');
    const sourceBytes = readFileSync(sourceMeta);
    const set = await ok<KeepFreshSettings>('queue', 'setKeepFresh', { datasetId, enabled: true, everyMasks: 2, minutes: 0.02, runId });
    expect([set.enabled, set.everyMasks, set.savedSince, set.pendingRunId]).toEqual([true, 2, 0, null]);
    const user1 = (await ok<{ runId: number }>('runs', 'start', { config: tiny(1), name: 'user 1' })).runId;
    const unl = (await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'unlabeled' })).items.map((i) => i.sampleId);
    await ok('datasets', 'saveMask', { datasetId, sampleId: unl[0], png: await boxMask(unl[0]!) });
    expect((await ok<KeepFreshSettings>('queue', 'keepFresh', { datasetId })).pendingRunId).toBeNull();
    await ok('datasets', 'saveMask', { datasetId, sampleId: unl[1], png: await boxMask(unl[1]!) });
    const pending = await ok<KeepFreshSettings>('queue', 'keepFresh', { datasetId });
    const fineTune = pending.pendingRunId!;
    expect(fineTune).toBeGreaterThan(user1);
    expect([pending.savedSince, pending.history]).toEqual([0, [fineTune]]);
    // The user's run holds the device: the fine-tune waits.
    expect(s.store.runs.get(fineTune)!.status).toBe('queued');
    // A third save while it waits queues no second fine-tune; a user run started now goes first.
    await ok('datasets', 'saveMask', { datasetId, sampleId: unl[2], png: await boxMask(unl[2]!) });
    const user2 = (await ok<{ runId: number }>('runs', 'start', { config: tiny(1), name: 'user 2' })).runId;
    const mid = await ok<KeepFreshSettings>('queue', 'keepFresh', { datasetId });
    expect([mid.pendingRunId, mid.history, mid.savedSince]).toEqual([fineTune, [fineTune], 1]);
    await s.runs.whenIdle();
    for (const id of [user1, user2, fineTune]) expect(s.store.runs.get(id)!.status, `run ${id}`).toBe('completed');
    const order = events
      .filter((e) => e.event === 'run:status' && [user1, user2, fineTune].includes((e.payload as { runId: number }).runId))
      .map((e) => `${(e.payload as { runId: number }).runId}:${(e.payload as { status: string }).status}`)
      .filter((x) => !x.endsWith(':queued'));
    expect(order).toEqual([`${user1}:running`, `${user1}:completed`, `${user2}:running`, `${user2}:completed`, `${fineTune}:running`, `${fineTune}:completed`]);
    // The fine-tune continued the source's epochs; the source run's checkpoint is untouched.
    const src = s.store.runs.get(runId)!;
    const ft = s.store.runs.get(fineTune)!;
    expect(ft.epochsCompleted).toBeGreaterThan(src.epochsCompleted);
    expect(Buffer.compare(readFileSync(sourceMeta), sourceBytes)).toBe(0);
    const done = await ok<KeepFreshSettings>('queue', 'keepFresh', { datasetId });
    expect([done.runId, done.pendingRunId]).toEqual([fineTune, null]);
    // The queue now ranks with the fine-tuned model and says so.
    const q = await ok<QueueResult>('queue', 'get', { datasetId, kind: 'unlabeled' });
    expect(q.model.runId).toBe(fineTune);
  }, 300_000);

  it('a fine-tune that cannot be queued leaves the save done, says why, and is tried again at the next save', async () => {
    // A run with no checkpoint at all: continueRun refuses it.
    const bare = s.store.runs.create({ name: 'no checkpoint', config: s.store.runs.get(runId)!.config, runDirFor: (id) => join(tmp, `bare-${id}`) });
    s.store.runs.cancel(bare.id);
    await ok('queue', 'setKeepFresh', { datasetId, enabled: true, everyMasks: 1, runId: bare.id });
    const unl = (await ok<QueueResult>('queue', 'get', { datasetId, runId, kind: 'review' })).items.map((i) => i.sampleId);
    const saved = await ok<{ maskPath: string }>('datasets', 'saveMask', { datasetId, sampleId: unl[0], png: await boxMask(unl[0]!) });
    expect(statSync(saved.maskPath).size).toBeGreaterThan(0);
    const st = await ok<KeepFreshSettings>('queue', 'keepFresh', { datasetId });
    expect(st.lastError).toContain(`could not queue a fine-tune of run ${bare.id}`);
    expect([st.pendingRunId, st.savedSince]).toEqual([null, 1]);
    await ok('queue', 'setKeepFresh', { datasetId, enabled: false });
  });

  it('refuses to enable keep-fresh without a run to fine-tune', async () => {
    const env = (await s.dispatch('queue', 'setKeepFresh', { datasetId: 999, enabled: true, runId: null })) as Envelope<unknown>;
    expect(env.ok).toBe(false);
  });
});

describe('RunQueue priority', () => {
  it('starts a normal job queued after a low one first', async () => {
    const q = new RunQueue();
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    q.enqueue(1, 'cpu', async () => {
      started.push(1);
      await gate;
    });
    q.enqueue(2, 'cpu', async () => void started.push(2), 'low');
    q.enqueue(3, 'cpu', async () => void started.push(3));
    release();
    await q.whenIdle();
    expect(started).toEqual([1, 3, 2]);
  });
});
