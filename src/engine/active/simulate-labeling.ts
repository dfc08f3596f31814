// "Does the queue help?" answered by simulation: the training split's ground-truth masks are
// hidden, then revealed K at a time in a strategy's order (the queue's uncertainty ranking from
// the last round's model, or a seeded random order), and after each reveal a model is trained
// FRESH (new weights, same seed) for a fixed wall-clock budget with the engine's own train().
// Fresh rather than fine-tuned so every point of a curve gets the same compute and does not
// inherit the previous rounds' training time: the curves then differ only by which labels they
// hold. The validation split (labeled) picks the best epoch as in any run, the test split scores it.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportReport, Sample } from '../types';
import { MAX_EPOCHS, parseRunConfig, type RunConfig, type RunConfigInput } from '../../shared/run-config';
import { splitSamples, train } from '../train/train';
import { loadCheckpoint } from '../train/checkpoint';
import { scoreImages } from './score-images';
import { randomOrder, rankByUncertainty, type Strategy } from './rank';
import { DEFAULT_UNCERTAINTY } from './uncertainty';
import { loadResizedSample } from '../data/sample-cache';
import { mapPool } from '../data/pool';

export interface SimulationOptions {
  dataset: ImportReport;
  strategy: Strategy;
  start: number;
  step: number;
  until: number;
  /** Training budget per round: wall-clock minutes, or a fixed number of epochs (steady on a loaded machine). */
  minutesPerRound?: number;
  epochsPerRound?: number;
  seed: number;
  /** Model and optimiser settings (data, model, base, size, batchSize, learningRate, backend...). */
  config: Partial<RunConfigInput> & { data: string };
  /** Scratch folder for each round's run (removed round by round unless keepRuns). */
  workDir: string;
  keepRuns?: boolean;
  onRound?: (round: SimulationRound) => void;
  onLog?: (line: string) => void;
}

export interface SimulationRound {
  round: number;
  labels: number;
  /** Mean per-image test Dice of the round's best-validation checkpoint. */
  testDice: number;
  bestValidDice: number;
  epochs: number;
  trainSeconds: number;
  /** Time to score the still-hidden pool for the next pick (0 for random and the last round). */
  scoreSeconds: number;
  /** The ids revealed for this round (the first round: the seeded start set). */
  added: string[];
  /** Mean p(1−p) of the picked images under the previous model (uncertainty strategy only). */
  pickedMeanPq?: number;
}

export interface SimulationResult {
  strategy: Strategy;
  seed: number;
  rounds: SimulationRound[];
  /** Area under test Dice vs labels (trapezoids), divided by (until − start): a mean Dice over the label range. */
  normalizedArea: number;
  poolSize: number;
  testImages: number;
  config: RunConfig;
}

/** Trapezoid area under y(x), divided by the x range (0 when one point). */
export function normalizedCurveArea(xs: number[], ys: number[]): number {
  if (xs.length !== ys.length) throw new Error('curve: x and y differ in length');
  if (xs.length < 2) return ys[0] ?? 0;
  let area = 0;
  for (let i = 1; i < xs.length; i++) area += ((xs[i]! - xs[i - 1]!) * (ys[i]! + ys[i - 1]!)) / 2;
  return area / (xs[xs.length - 1]! - xs[0]!);
}

export function checkSimulationCounts(o: { start: number; step: number; until: number; pool: number }): void {
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  if (!whole(o.start)) throw new Error(`--start must be a whole number ≥ 1 (got ${o.start})`);
  if (!whole(o.step)) throw new Error(`--step must be a whole number ≥ 1 (got ${o.step})`);
  if (!whole(o.until) || o.until < o.start) throw new Error(`--until must be a whole number ≥ --start (got ${o.until})`);
  if (o.until > o.pool) throw new Error(`--until ${o.until} is more than the ${o.pool} labeled training images`);
}

export async function simulateLabeling(opts: SimulationOptions): Promise<SimulationResult> {
  const splits = splitSamples(opts.dataset);
  const pool = splits.train;
  checkSimulationCounts({ start: opts.start, step: opts.step, until: opts.until, pool: pool.length });
  if (splits.test.length === 0) throw new Error(`${opts.dataset.root}: no labeled test images to score the rounds on`);
  if ((opts.minutesPerRound === undefined) === (opts.epochsPerRound === undefined)) {
    throw new Error('give either minutes or epochs per round');
  }
  const budget = opts.minutesPerRound !== undefined ? { minutes: opts.minutesPerRound, epochs: MAX_EPOCHS } : { epochs: opts.epochsPerRound };
  const config = parseRunConfig({ ...opts.config, seed: opts.seed, ...budget, maxTrainImages: 0 });
  // Every photo decoded and resized once before the first round: otherwise round 1 alone pays the
  // JPEG decoding inside its time budget and trains fewer epochs than the rounds after it.
  await mapPool(opts.dataset.samples.filter((s) => s.maskPath), 4, (s) => loadResizedSample(s, config.size));
  const byId = new Map(pool.map((s) => [s.id, s]));
  // The start set is the same seeded draw for every strategy: the curves part only at the first pick.
  const order = randomOrder(pool.map((s) => s.id), opts.seed);
  const revealed = new Set(order.slice(0, opts.start));
  const others = opts.dataset.samples.filter((s) => s.split !== 'train');
  const rounds: SimulationRound[] = [];
  let added = [...revealed];
  let pickedMeanPq: number | undefined;
  let scoreSeconds = 0;
  for (let round = 1; ; round++) {
    const runDir = join(opts.workDir, `${opts.strategy}-s${opts.seed}-r${round}`);
    mkdirSync(runDir, { recursive: true });
    // The dataset as this round sees it: revealed training labels only, valid and test as they are.
    const train_: Sample[] = pool.filter((s) => revealed.has(s.id));
    const dataset: ImportReport = { ...opts.dataset, samples: [...train_, ...others] };
    const t0 = performance.now();
    const res = await train({ config, dataset, outDir: runDir });
    const trainSeconds = (performance.now() - t0) / 1000;
    if (res.testDice === null) throw new Error(`round ${round}: training finished no epoch, so there is no test Dice`);
    const r: SimulationRound = {
      round,
      labels: revealed.size,
      testDice: res.testDice,
      bestValidDice: res.bestValidDice,
      epochs: res.epochsCompleted,
      trainSeconds,
      scoreSeconds,
      added,
      ...(pickedMeanPq !== undefined ? { pickedMeanPq } : {}),
    };
    rounds.push(r);
    opts.onRound?.(r);
    if (revealed.size >= opts.until) {
      if (!opts.keepRuns) rmSync(runDir, { recursive: true, force: true });
      break;
    }
    const k = Math.min(opts.step, opts.until - revealed.size);
    const hidden = pool.filter((s) => !revealed.has(s.id));
    const s0 = performance.now();
    if (opts.strategy === 'uncertainty') {
      const best = await loadCheckpoint(res.checkpoint);
      try {
        const scores = await scoreImages(best.model, hidden, { size: config.size, batchSize: Math.max(config.batchSize, 8) });
        const picked = rankByUncertainty(scores, DEFAULT_UNCERTAINTY).slice(0, k);
        added = picked.map((p) => p.id);
        pickedMeanPq = picked.reduce((a, p) => a + p.meanPq, 0) / picked.length;
      } finally {
        best.model.dispose();
      }
    } else {
      added = order.filter((id) => !revealed.has(id)).slice(0, k);
    }
    scoreSeconds = (performance.now() - s0) / 1000;
    for (const id of added) if (!byId.has(id)) throw new Error(`picked ${id}, which is not in the training pool`);
    for (const id of added) revealed.add(id);
    if (!opts.keepRuns) rmSync(runDir, { recursive: true, force: true });
  }
  return {
    strategy: opts.strategy,
    seed: opts.seed,
    rounds,
    normalizedArea: normalizedCurveArea(rounds.map((r) => r.labels), rounds.map((r) => r.testDice)),
    poolSize: pool.length,
    testImages: splits.test.length,
    config,
  };
}
