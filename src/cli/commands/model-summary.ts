import * as tf from '@tensorflow/tfjs';
import { formatHelp, parseArgs, num, str, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { buildModel, countParams } from '../../engine/models/build-model';
import { MODELS } from '../../shared/run-config';
import { quietTfjs } from '../../engine/backend/quiet-tfjs';
import { UsageError } from '../args';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'model', type: 'string', description: 'unet|resnet34_unet', default: 'unet' },
  { name: 'base', type: 'number', description: 'first-level channels', default: 64 },
  { name: 'size', type: 'number', description: 'input side in pixels', default: 256 },
  JSON_FLAG,
];

export const modelSummaryCommand: Command = {
  help: () => formatHelp('seg-studio model-summary --model unet|resnet34_unet [--base N] [--size N] [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const model = str(f, 'model')!.replace('-', '_');
    if (!(MODELS as readonly string[]).includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}`);
    // Counting parameters needs no fast backend; the pure-JS one avoids backend start-up.
    quietTfjs();
    await tf.setBackend('cpu');
    out.info('backend: cpu (building the graph only; no computation)');
    const m = buildModel({ model: model as (typeof MODELS)[number], base: num(f, 'base'), size: num(f, 'size'), seed: 0, randomWeights: false });
    const counts = countParams(m);
    const result = { model, base: num(f, 'base'), size: num(f, 'size'), layers: m.layers.length, ...counts };
    if (!out.json) m.summary(120, undefined, (line) => out.info(line));
    out.result(result, `${model}: ${counts.trainableParams.toLocaleString('en-US')} trainable parameters, ${counts.totalParams.toLocaleString('en-US')} in all`);
    m.dispose();
    return 0;
  },
};
