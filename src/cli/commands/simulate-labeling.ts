// seg-studio simulate-labeling: does the queue's uncertainty ranking get a better model for the
// same number of labels than labeling in random order? Reveals the training split's masks K at a
// time and retrains (fresh, M minutes) each round: engine/active/simulate-labeling.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatHelp, num, parseArgs, requireStr, str, type FlagSpec, UsageError } from '../args';
import { CliOutput } from '../output';
import { importDataset } from '../../engine/data/import-dataset';
import { resolveDataPath } from '../../engine/data/resolve-data-path';
import { simulateLabeling } from '../../engine/active/simulate-labeling';
import { RUN_PRESETS } from '../../shared/run-config';
import { printSkipped, skippedForJson } from '../skipped-report';
import type { Command } from './command';
import { BACKEND_FLAG, JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'data', type: 'string', aliases: ['data-path', 'data_path'], description: 'a labeled dataset folder (its training split is the pool)' },
  { name: 'start', type: 'number', description: 'labels revealed before the first round (a seeded random draw)' },
  { name: 'step', type: 'number', description: 'labels revealed per round' },
  { name: 'until', type: 'number', description: 'stop after the round with this many labels' },
  { name: 'strategy', type: 'string', description: 'uncertainty (mean p(1−p) of the last model) | random' },
  { name: 'minutes-per-round', type: 'number', description: 'training budget per round in minutes (fractions allowed); each round trains a fresh model' },
  { name: 'epochs-per-round', type: 'number', description: 'instead of minutes: a fixed number of epochs per round (the same compute whatever the machine\'s load)' },
  { name: 'seed', type: 'number', description: 'seed for the start set, the random order, splits and training', default: 1 },
  { name: 'preset', type: 'string', description: 'model settings from a preset', default: 'cpu-tiny' },
  { name: 'model', type: 'string', description: 'unet|resnet34_unet' },
  { name: 'base', type: 'number', description: 'first-level channels' },
  { name: 'size', type: 'number', description: 'input side in pixels' },
  { name: 'batch-size', type: 'number', description: 'images per step' },
  { name: 'learning-rate', type: 'number', description: 'Adam learning rate' },
  { name: 'keep-runs', type: 'string', description: 'keep each round\'s run folder under this folder' },
  { ...BACKEND_FLAG, default: undefined },
  JSON_FLAG,
];

export const simulateLabelingCommand: Command = {
  help: () =>
    formatHelp(
      'seg-studio simulate-labeling --data DIR --start N0 --step K --until N1 --strategy uncertainty|random --minutes-per-round M|--epochs-per-round E [--seed S] [--preset cpu-tiny] [--json]',
      flags,
    ),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const strategy = requireStr(f, 'strategy');
    if (strategy !== 'uncertainty' && strategy !== 'random') throw new UsageError('--strategy must be uncertainty or random');
    const need = (name: string) => {
      const v = num(f, name);
      if (v === undefined) throw new UsageError(`--${name} is required`);
      return v;
    };
    const minutes = num(f, 'minutes-per-round');
    const epochs = num(f, 'epochs-per-round');
    if ((minutes === undefined) === (epochs === undefined)) throw new UsageError('give one of --minutes-per-round M or --epochs-per-round E');
    if (minutes !== undefined && !(minutes > 0)) throw new UsageError('--minutes-per-round must be greater than 0');
    if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1)) throw new UsageError('--epochs-per-round must be a whole number ≥ 1');
    const seed = num(f, 'seed')!;
    const presetName = str(f, 'preset')!;
    const preset = RUN_PRESETS[presetName];
    if (!preset) throw new UsageError(`unknown preset "${presetName}" (${Object.keys(RUN_PRESETS).join(', ')})`);
    const data = resolveDataPath(requireStr(f, 'data'));
    const config = {
      ...preset.config,
      data,
      ...(str(f, 'model') ? { model: str(f, 'model')!.replace('-', '_') as never } : {}),
      ...(num(f, 'base') !== undefined ? { base: num(f, 'base') } : {}),
      ...(num(f, 'size') !== undefined ? { size: num(f, 'size') } : {}),
      ...(num(f, 'batch-size') !== undefined ? { batchSize: num(f, 'batch-size') } : {}),
      ...(num(f, 'learning-rate') !== undefined ? { learningRate: num(f, 'learning-rate') } : {}),
      ...(str(f, 'backend') ? { backend: str(f, 'backend') as never } : {}),
    };
    const dataset = await importDataset(data, { seed });
    printSkipped(out, dataset.skipped);
    const keep = str(f, 'keep-runs');
    const workDir = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'seg-simulate-'));
    try {
      const res = await simulateLabeling({
        dataset,
        strategy,
        start: need('start'),
        step: need('step'),
        until: need('until'),
        minutesPerRound: minutes,
        epochsPerRound: epochs,
        seed,
        config,
        workDir,
        keepRuns: Boolean(keep),
        onRound: (r) =>
          out.info(
            `round ${r.round}: ${r.labels} labels → test Dice ${r.testDice.toFixed(4)} (valid ${r.bestValidDice.toFixed(4)}, ${r.epochs} epochs, ` +
              `train ${r.trainSeconds.toFixed(1)} s${r.scoreSeconds ? `, scoring ${r.scoreSeconds.toFixed(1)} s` : ''})`,
          ),
      });
      const c = res.config;
      out.result(
        {
          strategy: res.strategy,
          seed: res.seed,
          retrain: 'fresh',
          ...(minutes !== undefined ? { minutesPerRound: minutes } : { epochsPerRound: epochs }),
          model: { model: c.model, base: c.base, size: c.size, batchSize: c.batchSize, learningRate: c.learningRate },
          poolSize: res.poolSize,
          testImages: res.testImages,
          normalizedArea: res.normalizedArea,
          curve: res.rounds.map((r) => ({ labels: r.labels, testDice: r.testDice })),
          rounds: res.rounds,
          skipped: skippedForJson(dataset.skipped),
        },
        [
          `${res.strategy}, seed ${res.seed}: ${res.rounds.length} rounds, ${res.testImages} test images, pool ${res.poolSize}`,
          ...res.rounds.map((r) => `  ${String(r.labels).padStart(5)} labels  Dice ${r.testDice.toFixed(4)}  (${(r.trainSeconds + r.scoreSeconds).toFixed(1)} s)`),
          `area under the curve / label range: ${res.normalizedArea.toFixed(4)}`,
        ].join('\n'),
      );
    } finally {
      if (!keep) rmSync(workDir, { recursive: true, force: true });
    }
    return 0;
  },
};
