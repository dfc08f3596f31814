// The labeling queue (issue 13): which photo to label next (unlabeled photos, most uncertain
// under the current plain model first) and which labels to review (labeled photos, the ones the
// model disagrees with most first), scored by engine/active. Scores are cached per (run, dataset)
// in the run folder (`<runDir>/queue/dataset-<id>.json`) against the checkpoint they came from and
// each photo's and label's file stamp: a new checkpoint (a fine-tune, a resume) rescoring
// everything, a saved label only its own photo.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { labelDisagreement } from '../engine/active/disagreement';
import { rankByDisagreement, rankByUncertainty } from '../engine/active/rank';
import { scoreImages, type ImageScore } from '../engine/active/score-images';
import { loadResizedSample } from '../engine/data/sample-cache';
import { normalizeImageNet } from '../engine/augment/normalize';
import { predictFast } from '../engine/backend/native';
import type { Sample } from '../engine/types';
import * as tf from '@tensorflow/tfjs';
import { StudioError, type QueueItem, type QueueKind, type QueueNext, type QueueResult } from '../shared/contract';
import { writeFileAtomic } from './atomic-write';
import type { DatasetsService } from './datasets-service';
import { defaultQueueRun, QueueModelHolder, type QueueModel } from './queue-model';
import type { StudioStore } from './store-types';

interface CacheEntry {
  image: string;
  /** Label file stamp the disagreement was computed against (absent: scored without a label). */
  label?: string;
  meanPq: number;
  nearHalfShare: number;
  dice?: number;
  disagreement?: number;
}

interface CacheFile {
  format: 'seg-studio-queue';
  version: 1;
  checkpoint: string;
  entries: Record<string, CacheEntry>;
}

function fileStamp(path: string): string {
  const st = statSync(path);
  return `${st.mtimeMs}:${st.size}`;
}

export interface QueueServiceDeps {
  store: StudioStore;
  datasets: DatasetsService;
  /** The run a dataset's queue uses when none is named (keep-fresh's current run), before the newest plain run. */
  preferredRun?: (datasetId: number) => number | null;
}

export class QueueService {
  /** One scoring at a time: TensorFlow.js in this process is shared state. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly models: QueueModelHolder;

  constructor(private readonly deps: QueueServiceDeps) {
    this.models = new QueueModelHolder(deps.store);
  }

  get(input: { datasetId: number; runId?: number; kind: QueueKind; limit?: number }): Promise<QueueResult> {
    return this.serial(() => this.rank(input));
  }

  /** The top of the queue, skipping the photo the editor is on. */
  next(input: { datasetId: number; runId?: number; kind: QueueKind; current?: string }): Promise<QueueNext> {
    return this.serial(async () => {
      const r = await this.rank({ ...input });
      const items = r.items.filter((i) => i.sampleId !== input.current);
      const top = items[0];
      return { sampleId: top?.sampleId ?? null, kind: r.kind, score: top?.score ?? null, model: r.model, remaining: items.length };
    });
  }

  /** The difference overlay of one labeled photo at the model's size: RGBA PNG, transparent where label and prediction agree. */
  difference(input: { datasetId: number; runId?: number; sampleId: string }): Promise<Uint8Array> {
    return this.serial(async () => {
      const { sample } = this.deps.datasets.resolveSample(input.datasetId, input.sampleId);
      if (!sample.maskPath) throw new StudioError('INVALID_ARGUMENT', `sample ${sample.id} has no label to compare with`);
      const m = await this.model(input.datasetId, input.runId);
      const l = await loadResizedSample(sample, m.size, true);
      const px = m.size * m.size;
      const x = new Float32Array(px * 3);
      normalizeImageNet(l.image, x, 0);
      const t = tf.tidy(() => predictFast(m.model, tf.tensor4d(x, [1, m.size, m.size, 3])));
      const probs = (await t.data()) as Float32Array;
      t.dispose();
      const { diff } = labelDisagreement(l.mask!.data, probs);
      return await differencePng(diff, m.size);
    });
  }

  /** Frees the held model. */
  release(): void {
    this.models.release();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async model(datasetId: number, runId?: number): Promise<QueueModel> {
    const dataset = this.deps.datasets.mustGet(datasetId);
    const chosen = runId ?? this.deps.preferredRun?.(datasetId) ?? defaultQueueRun(this.deps.store, dataset.root)?.id;
    if (chosen === undefined || chosen === null) {
      throw new StudioError('NOT_FOUND', `no trained run on dataset ${datasetId} to rank its photos with: train a (plain) run on it first`);
    }
    return this.models.load(chosen);
  }

  private async rank(input: { datasetId: number; runId?: number; kind: QueueKind; limit?: number }): Promise<QueueResult> {
    const t0 = performance.now();
    const m = await this.model(input.datasetId, input.runId);
    const all = (['train', 'valid', 'test'] as const).flatMap((s) => this.deps.store.datasets.samplesOfSplit(input.datasetId, s));
    const review = input.kind === 'review';
    const members = all.filter((s) => Boolean(s.maskPath) === review);
    const cachePath = join(this.deps.store.runs.get(m.version.runId)!.runDir, 'queue', `dataset-${input.datasetId}.json`);
    const cache = readCache(cachePath, m.stamp);
    const stamps = new Map<string, { image: string; label?: string }>();
    const missing: Sample[] = [];
    for (const s of members) {
      let st: { image: string; label?: string };
      try {
        st = { image: fileStamp(s.imagePath), ...(s.maskPath ? { label: fileStamp(s.maskPath) } : {}) };
      } catch (err) {
        throw new StudioError('NOT_FOUND', `${s.imagePath}: cannot read the sample's files (${(err as Error).message})`);
      }
      stamps.set(s.id, st);
      const e = cache.entries[s.id];
      const fresh = e && e.image === st.image && (!review || (e.label === st.label && e.disagreement !== undefined));
      if (!fresh) missing.push(s);
    }
    let scored: ImageScore[] = [];
    if (missing.length > 0) {
      scored = await scoreImages(m.model, missing, { size: m.size, withLabels: review, batchSize: 8 });
      for (const sc of scored) {
        const st = stamps.get(sc.id)!;
        cache.entries[sc.id] = {
          image: st.image,
          ...(sc.disagreement !== undefined ? { label: st.label, dice: sc.dice, disagreement: sc.disagreement } : {}),
          meanPq: sc.meanPq,
          nearHalfShare: sc.nearHalfShare,
        };
      }
      writeFileAtomic(cachePath, new TextEncoder().encode(JSON.stringify(cache)));
    }
    const bySample = new Map(members.map((s) => [s.id, s]));
    const scores: ImageScore[] = members.map((s) => ({ id: s.id, ...cache.entries[s.id]! }));
    const ranked = review ? rankByDisagreement(scores) : rankByUncertainty(scores);
    const items: QueueItem[] = ranked.slice(0, input.limit ?? ranked.length).map((r) => ({
      sampleId: r.id,
      split: bySample.get(r.id)!.split,
      score: review ? r.disagreement! : r.meanPq,
      meanPq: r.meanPq,
      nearHalfShare: r.nearHalfShare,
      ...(review ? { dice: r.dice } : {}),
    }));
    return {
      datasetId: input.datasetId,
      kind: input.kind,
      rankedBy: review ? 'disagreement' : 'meanPq',
      model: m.version,
      total: ranked.length,
      items,
      scoredNow: scored.length,
      seconds: (performance.now() - t0) / 1000,
    };
  }
}

function readCache(path: string, checkpoint: string): CacheFile {
  const empty: CacheFile = { format: 'seg-studio-queue', version: 1, checkpoint, entries: {} };
  if (!existsSync(path)) return empty;
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
    // Scores of another checkpoint say nothing about this one.
    if (c.format !== 'seg-studio-queue' || c.version !== 1 || c.checkpoint !== checkpoint || typeof c.entries !== 'object') return empty;
    return c;
  } catch {
    return empty; // a cache is rebuilt, never trusted when unreadable
  }
}

/** Red: labeled object the model calls background; blue: predicted object the label leaves out. */
async function differencePng(diff: Uint8Array, size: number): Promise<Uint8Array> {
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < diff.length; i++) {
    const o = i * 4;
    const d = diff[i]!;
    rgba[o] = d === 1 ? 255 : 30;
    rgba[o + 1] = d === 0 ? 0 : 40;
    rgba[o + 2] = d === 2 ? 255 : 30;
    rgba[o + 3] = d === 0 ? 0 : 200;
  }
  const png = await sharp(Buffer.from(rgba.buffer), { raw: { width: size, height: size, channels: 4 } }).png().toBuffer();
  return new Uint8Array(png);
}
