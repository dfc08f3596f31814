import { str, UsageError, type FlagSpec, type ParsedArgs } from '../args';
import { checkTtaSizes, parseTtaSizes } from '../../shared/tta-sizes';
import type { RunConfig } from '../../shared/run-config';

/** One command's behaviour; its one-line summary is in the table (index.ts). */
export interface Command {
  help(): string;
  run(argv: string[]): Promise<number>;
}

/** Flags most commands share. */
export const JSON_FLAG: FlagSpec = { name: 'json', type: 'boolean', description: 'print one machine-readable JSON object as the last line' };
export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  type: 'string',
  description: 'auto|native|tensorflow|wasm|webgpu|cpu',
  default: 'auto',
};

/** Multi-scale test-time augmentation (engine/infer/tta.ts), for eval and predict. */
export const TTA_SIZES_FLAG: FlagSpec = {
  name: 'tta-sizes',
  type: 'string',
  description:
    'multi-scale: "auto" (0.875×, 1× and 1.5× the training size) or input sizes such as 112,128,192 to average the prediction over (default: only the model\'s own size). ' +
    '"auto" raised test Dice over the mirror average alone on every checkpoint of docs/quality.md (mean +0.006), for about 3× the time of the mirror average alone',
};

/** The parsed --tta-sizes, checked against the model; undefined when not given. */
export function readTtaSizes(f: ParsedArgs['flags'], config: Pick<RunConfig, 'size' | 'model'>): number[] | undefined {
  const text = str(f, 'tta-sizes');
  if (text === undefined) return undefined;
  try {
    const sizes = parseTtaSizes(text, config.size, config.model);
    checkTtaSizes(sizes, config.model);
    return sizes;
  } catch (err) {
    throw new UsageError(`--tta-sizes: ${(err as Error).message}`);
  }
}
