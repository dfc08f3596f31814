// The training loop: per epoch, train on augmented batches, evaluate on the validation split,
// keep the best-valid checkpoint and a resumable latest checkpoint, then score the test split
// with the best weights. Callers (CLI, worker process, tests) observe it through events.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { RunConfig } from '../../shared/run-config';
import type { ImportReport, Sample } from '../types';
import { selectBackend } from '../backend/select-backend';
import { importDataset } from '../data/import-dataset';
import { buildModel, countParams } from '../models/build-model';
import { RateMeter } from '../util/progress';
import { iterateBatches, batchCount } from './batches';
import { loadCheckpoint, readCheckpointEma, saveCheckpoint, type EpochMetrics, type NamedTensor } from './checkpoint';
import { WeightEma } from './weight-ema';
import { evaluateModel } from '../infer/evaluate';
import { trainStep } from './train-step';
import { createAdam, setLearningRate } from './optimizer';
import { lossWeightsOf } from './losses';
import { scheduledLr } from './lr-schedule';
import { TimeBudget, type BudgetPlan } from './time-budget';
import { resolveDataPath } from '../data/resolve-data-path';
import type { TrainEvent, TrainResult } from './train-events';
import { interactiveInputs } from '../interactive/interactive-batches';
import { applyEncoderWeights } from '../interop/imagenet-encoder';

export interface TrainOptions {
  config: RunConfig;
  /** Run folder: checkpoints go to `<outDir>/best` and `<outDir>/last`. */
  outDir: string;
  /** A checkpoint folder (normally `<outDir>/last`) to continue from. */
  resumeFrom?: string;
  /** An already imported dataset (the app imports once and reuses it). */
  dataset?: ImportReport;
  onEvent?: (event: TrainEvent) => void;
  /** Cancel between batches; the epoch in progress is dropped, finished epochs stay. */
  signal?: AbortSignal;
  /** performance.now() when the run began (its time budget counts from there); default: when train() is called. */
  startedAtMs?: number;
  /** Validation images whose predicted masks are sent after each epoch (for the UI). */
  previewCount?: number;
  /** The data folder: where `encoderWeights: 'imagenet'` caches its download (interop/encoder-download.ts). */
  dataDir?: string;
}

/** ImageNet encoder weights at model creation, with the download's progress (at most 5 events a second). */
async function loadEncoderWeights(model: tf.LayersModel, config: RunConfig, opts: TrainOptions, emit: (e: TrainEvent) => void): Promise<void> {
  let last = 0;
  const report = await applyEncoderWeights(model, config, {
    dataDir: opts.dataDir,
    signal: opts.signal,
    onProgress: (bytes, total) => {
      const now = performance.now();
      if (now - last < 200 && bytes !== total) return;
      last = now;
      emit({ type: 'encoder-weights', phase: 'download', bytes, total });
    },
  });
  if (report) emit({ type: 'encoder-weights', phase: 'loaded', file: report.file, tensors: report.tensors, sha256: report.download?.sha256 });
}

export function splitSamples(report: ImportReport): Record<'train' | 'valid' | 'test', Sample[]> {
  const labeled = report.samples.filter((s) => s.maskPath);
  return {
    train: labeled.filter((s) => s.split === 'train'),
    valid: labeled.filter((s) => s.split === 'valid'),
    test: labeled.filter((s) => s.split === 'test'),
  };
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const emit = opts.onEvent ?? (() => {});
  // A time-budgeted run replaces `epochs` with its plan after the first epoch or the warm-up (time-budget.ts).
  let config = opts.config;
  const backend = await selectBackend(config.backend);
  // A click-to-segment run feeds clicks and a previous mask beside the photo (undefined: plain run).
  const inputs = interactiveInputs(config);

  let model: tf.LayersModel;
  let startEpoch = 0;
  let history: EpochMetrics[] = [];
  let bestValidDice = -1;
  let bestEpoch = 0;
  let optimizerWeights: NamedTensor[] | undefined;
  // emaDecay > 0: validation, `best` and the test score use the averaged weights (weight-ema.ts).
  let ema: WeightEma | undefined;
  if (opts.resumeFrom) {
    const ckpt = await loadCheckpoint(opts.resumeFrom);
    // The caller merges the stored config with what it overrides (epochs, backend); the model
    // architecture always comes from the checkpoint itself.
    model = ckpt.model;
    const channels = model.inputs[0]?.shape[3];
    if (channels !== (inputs?.channels ?? 3)) {
      throw new Error(`${opts.resumeFrom}: the checkpoint's model takes ${channels} input channels; this run${inputs ? ' is interactive (6)' : ' is not interactive (3)'}`);
    }
    startEpoch = ckpt.meta.epoch;
    history = ckpt.meta.history;
    bestValidDice = ckpt.meta.bestValidDice;
    bestEpoch = ckpt.meta.bestEpoch;
    optimizerWeights = ckpt.optimizerWeights;
    // The weight average goes on from where it was saved (a checkpoint without one starts it now).
    const saved = config.emaDecay > 0 ? readCheckpointEma(ckpt.dir) : undefined;
    if (saved) ema = WeightEma.restore(model, saved, config.emaDecay, ckpt.dir);
  } else {
    model = buildModel({ model: config.model, base: config.base, size: config.size, seed: config.seed, inChannels: inputs?.channels });
    // A fresh model only: a resumed one already carries its (trained) encoder.
    await loadEncoderWeights(model, config, opts, emit);
  }
  if (config.emaDecay > 0) ema ??= WeightEma.start(model, config.emaDecay);

  const report =
    opts.dataset ?? (await importDataset(resolveDataPath(config.data), { valFraction: config.valFraction, seed: config.seed }));
  const splits = splitSamples(report);
  let trainSamples = splits.train;
  if (config.maxTrainImages > 0) trainSamples = trainSamples.slice(0, config.maxTrainImages);
  if (trainSamples.length === 0) throw new Error(`${report.root}: no labeled training images (see the import report)`);
  // A dataset without a validation split still needs a model-selection signal: fall back to train.
  const validSamples = splits.valid.length > 0 ? splits.valid : trainSamples;

  const optimizer = createAdam(config.learningRate, { weightDecay: config.weightDecay });
  if (optimizerWeights) {
    await optimizer.setWeights(optimizerWeights);
    for (const w of optimizerWeights) w.tensor.dispose();
  }

  emit({
    type: 'started',
    backend: backend.backend,
    device: backend.device,
    detail: backend.detail,
    trainImages: trainSamples.length,
    validImages: validSamples.length,
    testImages: splits.test.length,
    epochs: config.epochs,
    startEpoch,
    trainableParams: countParams(model).trainableParams,
  });

  // The budget plans a run from its start; a resumed run keeps the epochs it was planned with.
  const budget = config.minutes !== undefined && startEpoch === 0 ? new TimeBudget(config.minutes, opts.startedAtMs ?? t0) : undefined;
  let plan: BudgetPlan | undefined;
  let stoppedByBudget = false;
  // The last epoch's whole cycle (training, validation, checkpoint writes) and its writes alone: time-budget.ts.
  let lastCycleSeconds = 0;
  let lastCheckpointSeconds = 0;

  const bestDir = join(opts.outDir, 'best');
  const lastDir = join(opts.outDir, 'last');
  const batches = batchCount(trainSamples.length, config.batchSize);
  let cancelled = false;

  for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
    if (budget && plan && !budget.fits({ nowMs: performance.now(), epochSeconds: lastCycleSeconds, testReserveSeconds: plan.testReserveSeconds })) {
      stoppedByBudget = true;
      break;
    }
    const epochStart = performance.now();
    const lr = scheduledLr(epoch, config);
    setLearningRate(optimizer, lr);
    const meter = new RateMeter();
    // Sums stay on the device and are read once per epoch, so steps never wait on a readback.
    let sums = tf.tidy(() => tf.zeros([3]));
    let seen = 0;
    let batchIndex = 0;
    let lastShown = 0;
    for await (const batch of iterateBatches(trainSamples, {
      size: config.size,
      batchSize: config.batchSize,
      augment: config.augment,
      seed: config.seed,
      epoch,
      shuffle: true,
      dropLast: trainSamples.length > config.batchSize,
    })) {
      if (opts.signal?.aborted) {
        cancelled = true;
        break;
      }
      const n = batch.ids.length;
      const xData = inputs ? await inputs.trainInput(model, batch, epoch, batchIndex) : batch.x;
      const x = tf.tensor4d(xData, [n, config.size, config.size, inputs?.channels ?? 3]);
      const y = tf.tensor4d(batch.y, [n, config.size, config.size, 1]);
      const { loss: value, parts } = trainStep(model, optimizer, x, y, lossWeightsOf(config));
      ema?.update();
      const next = tf.tidy(() => tf.add(sums, tf.mul(parts, n)));
      sums.dispose();
      sums = next;
      parts.dispose();
      x.dispose();
      y.dispose();
      seen += n;
      batchIndex++;
      const snap = meter.snapshot(batchIndex, batches);
      const now = performance.now();
      // Reading the loss forces a sync; do it only as often as a person can read it.
      let loss: number | undefined;
      if (now - lastShown > 1000 || batchIndex === batches) {
        loss = (await value.data())[0];
        lastShown = now;
      }
      value.dispose();
      emit({
        type: 'progress',
        phase: 'train',
        epoch: epoch + 1,
        epochs: config.epochs,
        batch: batchIndex,
        batches,
        imagesPerSecond: snap.rate * config.batchSize,
        etaSeconds: snap.etaSeconds,
        loss,
      });
    }
    if (cancelled) {
      sums.dispose();
      break;
    }
    const [bceSum, diceLossSum, diceSum] = Array.from(await sums.data());
    sums.dispose();
    const trainSeconds = (performance.now() - epochStart) / 1000;

    // Validation and `best` see the averaged weights; the raw ones come back before `last` is saved.
    const restoreRaw = ema?.swapIn();
    const validStart = performance.now();
    const valid = await evaluateModel(model, validSamples, {
      size: config.size,
      batchSize: Math.max(config.batchSize, 4),
      previewCount: opts.previewCount ?? 0,
      modelInput: inputs?.evalInput,
      onProgress: (done, total, rate, eta) =>
        emit({ type: 'progress', phase: 'valid', epoch: epoch + 1, epochs: config.epochs, batch: done, batches: total, imagesPerSecond: rate, etaSeconds: eta }),
    });
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      trainBce: bceSum! / seen,
      trainDiceLoss: diceLossSum! / seen,
      trainDice: diceSum! / seen,
      validBce: valid.bce,
      validDiceLoss: valid.diceLoss,
      validDice: valid.dice,
      learningRate: lr,
      seconds: (performance.now() - epochStart) / 1000,
      imagesPerSecond: seen / trainSeconds,
    };
    history = [...history, metrics];
    // Planned after the first epoch, or after the warm-up (its rates do not depend on the epoch count).
    if (budget && !plan && epoch + 1 >= Math.max(1, config.warmupEpochs)) {
      // Scoring the test split at the end costs what validation cost per batch (both evaluate in
      // batches of the same size; per batch, not per image, so a fixed cost per call is not multiplied).
      const evalBatches = (n: number) => Math.ceil(n / Math.max(config.batchSize, 4));
      const validSecondsPerBatch = (performance.now() - validStart) / 1000 / Math.max(evalBatches(validSamples.length), 1);
      plan = budget.plan({
        nowMs: performance.now(),
        epochSeconds: metrics.seconds,
        checkpointSeconds: lastCheckpointSeconds,
        epochsDone: epoch + 1,
        testReserveSeconds: validSecondsPerBatch * evalBatches(splits.test.length),
        maxEpochs: config.epochs,
      });
      config = { ...config, epochs: plan.epochs };
      emit({ type: 'planned', ...plan });
    }
    const checkpointStart = performance.now();
    const improved = metrics.validDice > bestValidDice;
    if (improved) {
      bestValidDice = metrics.validDice;
      bestEpoch = metrics.epoch;
      await saveCheckpoint(bestDir, model, {
        kind: 'best',
        epoch: metrics.epoch,
        config,
        bestValidDice,
        bestEpoch,
        history,
        backend: backend.backend,
      });
    }
    restoreRaw?.();
    const optState = await optimizer.getWeights();
    await saveCheckpoint(
      lastDir,
      model,
      { kind: 'last', epoch: metrics.epoch, config, bestValidDice, bestEpoch, history, backend: backend.backend },
      optState,
      await ema?.state(),
    );
    // getWeights() hands out a fresh scalar for the iteration count: dispose it (the moments are the optimizer's own variables).
    for (const w of optState) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
    lastCheckpointSeconds = (performance.now() - checkpointStart) / 1000;
    lastCycleSeconds = (performance.now() - epochStart) / 1000;
    emit({ type: 'epoch', metrics, bestValidDice, bestEpoch, improved, checkpoint: bestDir });
    if (valid.preview.length > 0) emit({ type: 'preview', epoch: metrics.epoch, size: config.size, samples: valid.preview });
  }

  let testDice: number | null = null;
  if (!cancelled && splits.test.length > 0 && bestEpoch > 0) {
    const best = await loadCheckpoint(bestDir);
    const test = await evaluateModel(best.model, splits.test, {
      size: config.size,
      batchSize: Math.max(config.batchSize, 4),
      modelInput: inputs?.evalInput,
      onProgress: (done, total, rate, eta) =>
        emit({ type: 'progress', phase: 'test', epoch: config.epochs, epochs: config.epochs, batch: done, batches: total, imagesPerSecond: rate, etaSeconds: eta }),
    });
    best.model.dispose();
    testDice = test.dice;
    emit({ type: 'test', dice: test.dice, images: test.images });
  }
  model.dispose();
  optimizer.dispose();
  ema?.dispose();

  return {
    bestValidDice,
    bestEpoch,
    testDice,
    testImages: splits.test.length,
    checkpoint: bestDir,
    lastCheckpoint: lastDir,
    backend: backend.backend,
    device: backend.device,
    seconds: (performance.now() - t0) / 1000,
    epochsCompleted: history.length,
    history,
    cancelled,
    budget: plan && { ...plan, minutes: config.minutes!, stoppedEarly: stoppedByBudget },
  };
}
