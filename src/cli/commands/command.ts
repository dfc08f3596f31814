import type { FlagSpec } from '../args';

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
