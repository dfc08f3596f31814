import { formatHelp, parseArgs, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { listBackends } from '../../engine/backend/select-backend';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [JSON_FLAG];

export const backendsCommand: Command = {
  help: () => formatHelp('seg-studio backends [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const list = await listBackends();
    for (const b of list) out.info(`${b.available ? 'yes' : 'no '}  ${b.name.padEnd(11)} ${b.available ? (b.device ?? '') : (b.reason ?? '')}`);
    out.result({ backends: list }, '');
    return 0;
  },
};
