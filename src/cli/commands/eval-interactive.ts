// seg-studio eval-interactive: the standard measurement of a click-to-segment checkpoint
// (engine/interactive/evaluate-interactive.ts): NoC@85/90 with up to --max-clicks simulated
// clicks, the IoU after 1..5 clicks and the milliseconds per click; with --baseline, a plain
// model's IoU with no click, for comparison.
import { resolve } from 'node:path';
import { formatHelp, parseArgs, num, requireStr, str, type FlagSpec, UsageError } from '../args';
import { CliOutput } from '../output';
import { selectBackend } from '../../engine/backend/select-backend';
import { importDataset } from '../../engine/data/import-dataset';
import { resolveDataPath } from '../../engine/data/resolve-data-path';
import { loadCheckpoint } from '../../engine/train/checkpoint';
import { evaluateInteractive } from '../../engine/interactive/evaluate-interactive';
import { interactiveSettingsOf } from '../../engine/interactive/interactive-predict';
import { zeroClickIou } from '../../engine/interactive/zero-click-iou';
import { ProgressBar } from '../../engine/util/progress';
import type { Command } from './command';
import { printSkipped, skippedForJson } from '../skipped-report';
import { BACKEND_FLAG, JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'checkpoint', type: 'string', description: 'an interactive run\'s checkpoint folder (RUN/best)' },
  { name: 'data', type: 'string', aliases: ['data-path', 'data_path'], description: 'dataset folder (default: the run\'s own)' },
  { name: 'split', type: 'string', description: 'train|valid|test|all', default: 'test' },
  { name: 'max-clicks', type: 'number', description: 'clicks per image at most (NoC counts this when never reached)', default: 20 },
  { name: 'baseline', type: 'string', description: 'a plain run\'s checkpoint: its IoU with no click, for comparison' },
  { name: 'per-image', type: 'boolean', description: 'with --json: include every image\'s IoU after each click' },
  BACKEND_FLAG,
  JSON_FLAG,
];

const fmt = (v: number) => v.toFixed(3);

export const evalInteractiveCommand: Command = {
  help: () =>
    formatHelp('seg-studio eval-interactive --checkpoint CKPT [--data DIR] [--split test] [--max-clicks 20] [--baseline CKPT] [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const split = str(f, 'split')!;
    if (!['train', 'valid', 'test', 'all'].includes(split)) throw new UsageError('--split must be train, valid, test or all');
    const maxClicks = num(f, 'max-clicks')!;
    if (!Number.isInteger(maxClicks) || maxClicks < 1 || maxClicks > 1000) throw new UsageError('--max-clicks must be a whole number from 1 to 1000');
    const backend = await selectBackend(str(f, 'backend') as never);
    out.info(`backend: ${backend.backend} (${backend.device})`);
    const ckptPath = resolve(requireStr(f, 'checkpoint'));
    const ckpt = await loadCheckpoint(ckptPath);
    const cfg = ckpt.meta.config;
    const settings = interactiveSettingsOf(cfg);
    if (!settings) throw new Error(`${ckptPath}: not an interactive run (train one with seg-studio train --interactive)`);
    // The split is drawn exactly as in training: the stored seed and fraction are reused.
    const report = await importDataset(resolveDataPath(str(f, 'data') ?? cfg.data), { valFraction: cfg.valFraction, seed: cfg.seed });
    printSkipped(out, report.skipped);
    const samples = report.samples.filter((s) => s.maskPath && (split === 'all' || s.split === split));
    if (samples.length === 0) throw new Error(`${report.root}: no labeled images in split "${split}"`);

    const bar = new ProgressBar({ label: `clicks ${split}`, unit: 'batch' });
    const res = await evaluateInteractive(ckpt.model, samples, { ...settings, maxClicks, onProgress: (d, t) => bar.update(d, t) });
    bar.finish();
    ckpt.model.dispose();

    let baseline: { checkpoint: string; size: number; meanIou: number; images: number } | undefined;
    const baselinePath = str(f, 'baseline');
    if (baselinePath) {
      const b = await loadCheckpoint(resolve(baselinePath));
      if (b.meta.config.interactive?.enabled) throw new Error(`${resolve(baselinePath)}: the baseline is an interactive run; give a plain run's checkpoint`);
      const z = await zeroClickIou(b.model, samples, b.meta.config.size);
      b.model.dispose();
      baseline = { checkpoint: resolve(baselinePath), size: b.meta.config.size, ...z };
    }
    const measuredAt = `IoU at the model input (${cfg.size}×${cfg.size}) against the label resized to it (Oxford: the trimap's pet + border as object), mask = probability > 0.5`;
    out.result(
      {
        nocAt85: res.nocAt85,
        nocAt90: res.nocAt90,
        neverReached85: res.neverReached85,
        neverReached90: res.neverReached90,
        iouAfterClicks: res.iouAfterClicks,
        msPerClick: res.msPerClick,
        clicksMade: res.clicksMade,
        maxClicks,
        images: res.images,
        split,
        size: cfg.size,
        clickRadius: settings.clickRadius,
        backend: backend.backend,
        measuredAt,
        ...(baseline ? { baseline } : {}),
        ...(f['per-image'] ? { perImage: res.perImage } : {}),
        skipped: skippedForJson(report.skipped),
      },
      [
        `${res.images} ${split} images, up to ${maxClicks} clicks (${measuredAt})`,
        `NoC@85 ${res.nocAt85.toFixed(2)} (${res.neverReached85} never), NoC@90 ${res.nocAt90.toFixed(2)} (${res.neverReached90} never)`,
        `IoU after 1..${res.iouAfterClicks.length} clicks: ${res.iouAfterClicks.map(fmt).join(' ')}`,
        `${res.msPerClick.toFixed(1)} ms per click (${res.clicksMade} clicks)`,
        ...(baseline ? [`baseline (plain model, no click, at ${baseline.size}²): IoU ${fmt(baseline.meanIou)}`] : []),
      ].join('\n'),
    );
    return 0;
  },
};
