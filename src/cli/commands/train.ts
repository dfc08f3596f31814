import { dirname, resolve } from 'node:path';
import { formatHelp, parseArgs, num, str, type FlagSpec, UsageError } from '../args';
import { CliOutput } from '../output';
import { augmentConfigSchema, MAX_EPOCHS, parseRunConfig, RUN_PRESETS, type RunConfigInput } from '../../shared/run-config';
import { scaleAugment } from '../../shared/augment-strength';
import { train } from '../../engine/train/train';
import { readCheckpointMeta } from '../../engine/train/checkpoint';
import { ProgressBar, formatDuration } from '../../engine/util/progress';
import type { Command } from './command';
import { recordCliRun, type CliRunRecorder } from '../../services/cli-run-recorder';
import { resolveDbPath } from '../../services/studio-db-path';
import { BACKEND_FLAG, JSON_FLAG } from './command';
import { importDataset } from '../../engine/data/import-dataset';
import { resolveDataPath } from '../../engine/data/resolve-data-path';
import { printSkipped, skippedForJson } from '../skipped-report';
import { claimDeviceAtTerminal } from '../claim-device';

export const trainFlags: FlagSpec[] = [
  { name: 'data', type: 'string', aliases: ['data_path', 'data-path'], description: 'dataset folder (Oxford layout or images/+masks/), or "sample"' },
  { name: 'preset', type: 'string', description: `start from a preset: ${Object.keys(RUN_PRESETS).join(', ')}` },
  { name: 'model', type: 'string', description: 'unet|resnet34_unet' },
  { name: 'base', type: 'number', description: 'first-level channels (64 = reference)' },
  { name: 'size', type: 'number', description: 'input side in pixels (256 = reference)' },
  { name: 'epochs', type: 'number', description: 'epochs to train (with --minutes: the most it may plan)' },
  { name: 'minutes', type: 'number', description: 'wall-clock budget: as many epochs as fit in M minutes, planned from the first epoch (or the warm-up)' },
  { name: 'batch-size', type: 'number', aliases: ['batch_size'], description: 'images per step' },
  { name: 'learning-rate', type: 'number', aliases: ['learning_rate', 'lr'], description: 'Adam learning rate' },
  { name: 'weight-decay', type: 'number', aliases: ['weight_decay', 'wd'], description: 'decoupled weight decay of the convolution kernels, as torch.optim.AdamW (default 0: plain Adam)' },
  { name: 'bce-weight', type: 'number', aliases: ['bce_weight'], description: 'loss = bce-weight·BCE + dice-weight·Dice loss (default 1)' },
  { name: 'dice-weight', type: 'number', aliases: ['dice_weight'], description: 'weight of the soft Dice loss (default 1)' },
  { name: 'schedule', type: 'string', description: 'cosine|constant' },
  { name: 'warmup-epochs', type: 'number', aliases: ['warmup_epochs', 'warmup'], description: 'epochs of linear warm-up from lr/10 before the cosine (a time budget plans after it)' },
  { name: 'ema-decay', type: 'number', aliases: ['ema_decay', 'ema'], description: 'validate, keep and test an exponential moving average of the weights with this decay, e.g. 0.99 (default 0: off)' },
  { name: 'seed', type: 'number', description: 'seed for split, init, shuffling and augmentation' },
  { name: 'val-fraction', type: 'number', aliases: ['val_fraction'], description: 'fraction of trainval held out for validation' },
  { name: 'max-train-images', type: 'number', description: 'use at most N training images per epoch (0 = all)' },
  { name: 'no-augment', type: 'boolean', description: 'train without augmentation' },
  { name: 'augment-strength', type: 'number', aliases: ['augment_strength'], description: 'scale the augmentation: probabilities and ranges ×S (1 = reference, 1.5 = half as much again; at most 3)' },
  { name: 'encoder-weights', type: 'string', description: 'none|imagenet: resnet34_unet (base 64) starts from torchvision\'s ImageNet ResNet-34 (downloaded once, verified)' },
  { name: 'encoder-weights-path', type: 'string', description: 'with --encoder-weights imagenet: a torchvision resnet34 .pth to use instead of the download' },
  { name: 'interactive', type: 'boolean', description: 'a click-to-segment model: clicks and the previous mask as extra inputs, trained on simulated clicks (docs/interactive.md)' },
  { name: 'click-radius', type: 'number', description: 'with --interactive: click disk radius in model pixels (default 5)' },
  { name: 'click-iterations', type: 'number', description: 'with --interactive: at most this many no-gradient click rounds per batch (default 3)' },
  { ...BACKEND_FLAG, default: undefined },
  { name: 'out', type: 'string', aliases: ['output_dir', 'save_path'], description: 'run folder for checkpoints', default: 'runs/latest' },
  { name: 'resume', type: 'string', description: 'continue from a checkpoint folder (e.g. RUN/last)' },
  { name: 'db', type: 'string', description: 'record the run in this studio database (default: $SEG_STUDIO_DB or the app data folder)' },
  { name: 'no-record', type: 'boolean', description: 'do not record the run in the studio database' },
  JSON_FLAG,
];

/** Turns CLI flags into a run config input (preset first, then explicit flags on top). */
export function configFromFlags(f: Record<string, string | number | boolean | undefined>): RunConfigInput {
  const presetName = str(f, 'preset');
  let base: Partial<RunConfigInput> = {};
  if (presetName) {
    const preset = RUN_PRESETS[presetName];
    if (!preset) throw new UsageError(`unknown preset "${presetName}" (${Object.keys(RUN_PRESETS).join(', ')})`);
    base = preset.config;
  }
  const pick = <T>(v: T | undefined, d: T | undefined) => (v !== undefined ? v : d);
  // A budget preset (cpu-10min) brings its minutes; --minutes overrides them.
  const minutes = pick(num(f, 'minutes'), base.minutes);
  const cfg: Record<string, unknown> = {
    ...base,
    data: pick(str(f, 'data'), base.data),
    model: pick(str(f, 'model')?.replace('-', '_'), base.model),
    base: pick(num(f, 'base'), base.base),
    size: pick(num(f, 'size'), base.size),
    // A time budget decides the epochs itself unless --epochs caps it explicitly.
    epochs: pick(num(f, 'epochs'), minutes !== undefined ? MAX_EPOCHS : base.epochs),
    minutes,
    batchSize: pick(num(f, 'batch-size'), base.batchSize),
    learningRate: pick(num(f, 'learning-rate'), base.learningRate),
    weightDecay: pick(num(f, 'weight-decay'), base.weightDecay),
    bceWeight: pick(num(f, 'bce-weight'), base.bceWeight),
    diceWeight: pick(num(f, 'dice-weight'), base.diceWeight),
    schedule: pick(str(f, 'schedule'), base.schedule),
    warmupEpochs: pick(num(f, 'warmup-epochs'), base.warmupEpochs),
    emaDecay: pick(num(f, 'ema-decay'), base.emaDecay),
    seed: pick(num(f, 'seed'), base.seed),
    valFraction: pick(num(f, 'val-fraction'), base.valFraction),
    maxTrainImages: pick(num(f, 'max-train-images'), base.maxTrainImages),
    backend: pick(str(f, 'backend'), base.backend),
    encoderWeights: pick(str(f, 'encoder-weights'), base.encoderWeights),
    encoderWeightsPath: str(f, 'encoder-weights-path') !== undefined ? resolve(str(f, 'encoder-weights-path')!) : undefined,
  };
  const strength = num(f, 'augment-strength');
  if (f['no-augment'] && strength !== undefined) throw new UsageError('--no-augment and --augment-strength contradict each other');
  if (f['no-augment']) cfg.augment = { enabled: false };
  if (strength !== undefined) {
    try {
      cfg.augment = scaleAugment(augmentConfigSchema.parse(base.augment ?? {}), strength);
    } catch (err) {
      throw new UsageError(`--augment-strength: ${(err as Error).message}`);
    }
  }
  const clickRadius = num(f, 'click-radius');
  const clickIterations = num(f, 'click-iterations');
  if (!f.interactive && (clickRadius !== undefined || clickIterations !== undefined)) throw new UsageError('--click-radius and --click-iterations apply to --interactive runs only');
  if (f.interactive) cfg.interactive = { enabled: true, clickRadius, maxIterations: clickIterations };
  for (const k of Object.keys(cfg)) if (cfg[k] === undefined) delete cfg[k];
  return cfg as RunConfigInput;
}

export const trainCommand: Command = {
  help: () =>
    formatHelp(
      'seg-studio train --data DIR [--preset NAME] [--model unet|resnet34_unet] [--base N] [--size N] --epochs N --batch-size N --learning-rate X --seed N [--backend B] [--encoder-weights none|imagenet [--encoder-weights-path FILE]] --out DIR [--resume CKPT] [--json]',
      trainFlags,
    ),
  async run(argv) {
    const { flags: f } = parseArgs(argv, trainFlags);
    const out = new CliOutput(Boolean(f.json));
    const resume = str(f, 'resume');
    if (resume && f.minutes !== undefined) throw new UsageError('--minutes plans a new run; a resumed run keeps the epochs it planned (change them with --epochs)');
    const startedAt = performance.now();
    // Resuming keeps the stored config; flags given now (more epochs, another backend) override it.
    const input = resume ? { ...readCheckpointMeta(resolve(resume)).config, ...configFromFlags(f) } : configFromFlags(f);
    const config = parseRunConfig(input);
    // Imported here rather than inside train() so the report is printed: every file left out, named with its reason.
    const dataset = await importDataset(resolveDataPath(config.data), { valFraction: config.valFraction, seed: config.seed });
    printSkipped(out, dataset.skipped);
    const outDir = resolve(str(f, 'out')!);
    let bar: ProgressBar | undefined;
    // A budgeted run knows its epoch count only after the first epoch.
    let epochsLabel = config.minutes !== undefined && !resume ? '?' : String(config.epochs);
    // The run also goes into the studio database, so the app and `seg-studio runs` list it; a
    // database that cannot be opened costs a warning, never the training.
    let recorder: CliRunRecorder | undefined;
    if (!f['no-record']) {
      try {
        recorder = recordCliRun({ dbPath: resolveDbPath(str(f, 'db')), config, outDir });
        out.info(`recording as run ${recorder.runId} in ${recorder.dbPath}`);
      } catch (err) {
        out.warn(`not recording this run in the studio database: ${(err as Error).message}`);
      }
    }
    // One training per device across processes (the app, `serve`, other CLIs): wait for it.
    if (recorder) await claimDeviceAtTerminal(recorder, out);
    let result: Awaited<ReturnType<typeof train>>;
    try {
    result = await train({
      config,
      dataset,
      outDir,
      resumeFrom: resume ? resolve(resume) : undefined,
      startedAtMs: startedAt,
      // The data folder (the database's): ImageNet encoder weights are cached there.
      dataDir: dirname(resolveDbPath(str(f, 'db'))),
      onEvent: (e) => {
        recorder?.onEvent(e);
        switch (e.type) {
          case 'started':
            out.info(
              `backend: ${e.backend} (${e.device}) — ${e.detail}\n` +
                `data: ${e.trainImages} train / ${e.validImages} valid / ${e.testImages} test images; ` +
                `${e.trainableParams.toLocaleString('en-US')} trainable parameters; ` +
                (epochsLabel === '?' ? `as many epochs as fit in ${config.minutes} min (at most ${e.epochs})` : `epochs ${e.startEpoch + 1}..${e.epochs}`),
            );
            break;
          case 'progress':
            if (e.batch === 1 || !bar) bar = new ProgressBar({ label: `${e.phase} ${e.epoch}/${epochsLabel}`, unit: 'batch' });
            bar.update(e.batch, e.batches, e.loss !== undefined ? `loss ${e.loss.toFixed(4)} ${e.imagesPerSecond.toFixed(1)} img/s` : `${e.imagesPerSecond.toFixed(1)} img/s`);
            if (e.batch === e.batches) {
              bar.finish();
              bar = undefined;
            }
            break;
          case 'epoch': {
            const m = e.metrics;
            out.info(
              `epoch ${m.epoch}: train dice ${m.trainDice.toFixed(4)} bce ${m.trainBce.toFixed(4)} | valid dice ${m.validDice.toFixed(4)} bce ${m.validBce.toFixed(4)} | lr ${m.learningRate.toExponential(2)} | ${m.imagesPerSecond.toFixed(2)} img/s, ${formatDuration(m.seconds)}${e.improved ? ' *best' : ''}`,
            );
            break;
          }
          case 'planned':
            epochsLabel = String(e.epochs);
            out.info(
              `time budget ${config.minutes} min: ${e.measuredAfterEpochs === 1 ? 'first epoch' : `epoch ${e.measuredAfterEpochs} (end of warm-up)`} ${formatDuration(e.measuredEpochSeconds)} + ${e.checkpointSeconds.toFixed(1)} s writing checkpoints, ` +
                `${formatDuration(e.testReserveSeconds)} kept for the test split; planned ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}`,
            );
            break;
          case 'test':
            out.info(`test dice ${e.dice.toFixed(4)} on ${e.images} images`);
            break;
          case 'encoder-weights':
            if (e.phase === 'download') {
              bar ??= new ProgressBar({ label: 'ImageNet encoder weights', unit: 'MB' });
              const mb = (n: number) => Math.round(n / 1e5) / 10;
              bar.update(mb(e.bytes), mb(e.total ?? e.bytes));
              if (e.total !== null && e.bytes >= e.total) (bar.finish(), (bar = undefined));
            } else out.info(`encoder: ${e.tensors} tensors of torchvision's ImageNet ResNet-34 from ${e.file}${e.sha256 ? ` (SHA-256 ${e.sha256.slice(0, 16)}…)` : ''}`);
            break;
          default:
            break;
        }
      },
    });
    } catch (err) {
      recorder?.fail(err);
      throw err;
    }
    recorder?.finish(result);
    if (result.budget?.stoppedEarly) {
      out.warn(`time budget: stopped after ${result.epochsCompleted} of ${result.budget.epochs} planned epochs (epochs ran slower than the first); the schedule did not finish annealing`);
    }
    out.result(
      {
        bestValidDice: result.bestValidDice,
        bestEpoch: result.bestEpoch,
        testDice: result.testDice,
        checkpoint: result.checkpoint,
        lastCheckpoint: result.lastCheckpoint,
        backend: result.backend,
        device: result.device,
        epochs: result.epochsCompleted,
        seconds: Number(result.seconds.toFixed(2)),
        budget: result.budget,
        skipped: skippedForJson(dataset.skipped),
      },
      `best valid dice ${result.bestValidDice.toFixed(4)} at epoch ${result.bestEpoch}; ` +
        `${result.testDice !== null ? `test dice ${result.testDice.toFixed(4)}; ` : ''}checkpoint ${result.checkpoint} (${formatDuration(result.seconds)})`,
    );
    return 0;
  },
};
