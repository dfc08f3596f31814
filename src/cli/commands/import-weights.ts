// seg-studio import-weights: a PyTorch state_dict (.pth, as torch.save writes it) of a reference
// model → a studio checkpoint folder for eval, predict and the app (engine/interop/import-pth.ts).
import { formatHelp, num, parseArgs, requireStr, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { importPthCheckpoint } from '../../engine/interop/import-pth';
import { MODELS } from '../../shared/run-config';
import type { ModelName } from '../../engine/types';
import { JSON_FLAG, type Command } from './command';

const flags: FlagSpec[] = [
  { name: 'pth', type: 'string', description: 'the .pth file (a state_dict saved by torch.save; zip or legacy format)' },
  { name: 'model', type: 'string', description: 'unet|resnet34_unet (the reference module layout, docs/interop.md)' },
  { name: 'base', type: 'number', description: 'first-level channels (default: read from the file)' },
  { name: 'size', type: 'number', description: 'input side the checkpoint predicts at', default: 256 },
  { name: 'data', type: 'string', description: 'dataset eval/predict use by default (default "sample")' },
  { name: 'out', type: 'string', description: 'checkpoint folder to create (must not exist)' },
  JSON_FLAG,
];

export const importWeightsCommand: Command = {
  help: () => formatHelp('seg-studio import-weights --pth FILE --model unet|resnet34_unet [--base N] [--size N] --out CKPT_DIR [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const model = requireStr(f, 'model').replace('-', '_');
    if (!(MODELS as readonly string[]).includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}`);
    const r = await importPthCheckpoint({
      pth: requireStr(f, 'pth'),
      model: model as ModelName,
      base: num(f, 'base'),
      size: num(f, 'size'),
      data: str(f, 'data'),
      out: requireStr(f, 'out'),
    });
    out.result(r, `imported ${r.tensors} tensors (${r.format} .pth${r.foundUnder ? `, under "${r.foundUnder}"` : ''}) into ${r.model} base ${r.base} at ${r.size}²: ${r.checkpoint}`);
    return 0;
  },
};
