import { formatHelp, parseArgs, str, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { runBench } from '../../engine/bench/bench';
import { quietTfjs } from '../../engine/backend/quiet-tfjs';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'backend', type: 'string', description: 'comma-separated backends to measure, or "all" (every one that loads)', default: 'auto' },
  { name: 'only', type: 'string', description: 'comma-separated configs: unet-b64-s256, resnet34unet-s256, unet-b16-s128, unet-b8-s64' },
  { name: 'vs-torch', type: 'boolean', description: 'also run PyTorch (Debian python3-torch) in this invocation and print ours/PyTorch ratios' },
  JSON_FLAG,
];

export const benchCommand: Command = {
  help: () => formatHelp('seg-studio bench [--backend B[,B]] [--only NAME[,NAME]] [--vs-torch] [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    quietTfjs();
    const results = await runBench({
      backends: str(f, 'backend')!.split(',').map((s) => s.trim()).filter(Boolean),
      only: str(f, 'only')?.split(',').map((s) => s.trim()).filter(Boolean),
      vsTorch: Boolean(f['vs-torch']),
      onLine: (line) => out.info(line),
    });
    out.result({ results }, '');
    return 0;
  },
};
