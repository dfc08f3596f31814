import { resolve } from 'node:path';
import { formatHelp, parseArgs, num, requireStr, str, type FlagSpec, UsageError } from '../args';
import { CliOutput } from '../output';
import { selectBackend } from '../../engine/backend/select-backend';
import { importDataset } from '../../engine/data/import-dataset';
import { resolveDataPath } from '../../engine/data/resolve-data-path';
import { loadCheckpoint } from '../../engine/train/checkpoint';
import { evaluateModel } from '../../engine/infer/evaluate';
import { interactiveInputs } from '../../engine/interactive/interactive-batches';
import { ProgressBar } from '../../engine/util/progress';
import type { Command } from './command';
import { printSkipped, skippedForJson } from '../skipped-report';
import { BACKEND_FLAG, JSON_FLAG, TTA_SIZES_FLAG, readTtaSizes } from './command';

const flags: FlagSpec[] = [
  { name: 'data', type: 'string', aliases: ['data_path', 'data-path'], description: 'dataset folder, or "sample"' },
  { name: 'checkpoint', type: 'string', aliases: ['model_path', 'model-path'], description: 'checkpoint folder (RUN/best)' },
  { name: 'split', type: 'string', description: 'train|valid|test|all', default: 'test' },
  { name: 'batch-size', type: 'number', aliases: ['batch_size'], description: 'images per step', default: 8 },
  { name: 'tta', type: 'boolean', default: true, description: 'test-time augmentation: average with the mirrored photo\'s prediction (on by default: +0.002 to +0.014 test Dice on every checkpoint of docs/quality.md, about 2× the time; --no-tta: off)' },
  TTA_SIZES_FLAG,
  BACKEND_FLAG,
  JSON_FLAG,
];

export const evalCommand: Command = {
  help: () => formatHelp('seg-studio eval --data DIR --checkpoint PATH --split train|valid|test|all [--no-tta] [--tta-sizes auto|SIZES] [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const split = str(f, 'split')!;
    if (!['train', 'valid', 'test', 'all'].includes(split)) throw new UsageError('--split must be train, valid, test or all');
    const backend = await selectBackend(str(f, 'backend') as never);
    out.info(`backend: ${backend.backend} (${backend.device})`);
    const ckpt = await loadCheckpoint(resolve(requireStr(f, 'checkpoint')));
    const cfg = ckpt.meta.config;
    // The split must be drawn exactly as in training, so the stored seed and fraction are reused.
    const report = await importDataset(resolveDataPath(str(f, 'data') ?? cfg.data), { valFraction: cfg.valFraction, seed: cfg.seed });
    printSkipped(out, report.skipped);
    const samples = report.samples.filter((s) => s.maskPath && (split === 'all' || s.split === split));
    if (samples.length === 0) throw new Error(`${report.root}: no labeled images in split "${split}"`);
    const tta = Boolean(f.tta);
    const ttaSizes = readTtaSizes(f, cfg);
    const bar = new ProgressBar({ label: `eval ${split}${tta ? ' (tta)' : ''}`, unit: 'batch' });
    const startedAt = performance.now();
    const res = await evaluateModel(ckpt.model, samples, {
      size: cfg.size,
      batchSize: num(f, 'batch-size')!,
      // The Dice of the masks as `predict` writes them (each photo's own size), beside the
      // training metric at the model's input size.
      atPhotoSize: true,
      // A click-to-segment checkpoint is scored after one simulated click (eval-interactive measures more).
      modelInput: interactiveInputs(cfg)?.evalInput,
      tta,
      ttaSizes,
      onProgress: (d, t) => bar.update(d, t),
    });
    bar.finish();
    out.result(
      { dice: res.dice, diceAtPhotoSize: res.diceAtPhotoSize, datasetDice: res.datasetDice, bce: res.bce, images: res.images, split, tta, ttaSizes: ttaSizes ?? [cfg.size], seconds: Number(((performance.now() - startedAt) / 1000).toFixed(3)), backend: backend.backend, perImage: res.perImage, skipped: skippedForJson(report.skipped) },
      `dice ${res.dice.toFixed(4)} at ${cfg.size}² (dataset-level ${res.datasetDice.toFixed(4)}); ${res.diceAtPhotoSize!.toFixed(4)} at the photos' own sizes; ${res.images} ${split} images${tta ? ' (test-time augmentation: mean with the mirrored photo)' : ''}${ttaSizes ? `, averaged over input sizes ${ttaSizes.join(', ')}` : ''}`,
    );
    return 0;
  },
};
