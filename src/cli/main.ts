// seg-studio: the headless face of the studio. Every command calls the same engine and
// services the desktop app uses.
import { UsageError } from './args';
import { commands } from './commands/index';

function usage(): string {
  const lines = ['seg-studio — Pet Segmentation Studio command line', '', 'Commands:'];
  for (const [name, cmd] of Object.entries(commands)) lines.push(`  ${name.padEnd(16)} ${cmd.summary}`);
  lines.push('', 'Run `seg-studio COMMAND --help` for its options.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 1;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    process.stderr.write(`seg-studio: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.help() + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`seg-studio ${name}: ${err.message}\n\n${cmd.help()}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`seg-studio ${name}: error: ${message}\n`);
    if (process.env.SEG_STUDIO_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    if (rest.includes('--json')) process.stdout.write(JSON.stringify({ error: message }) + '\n');
    return 1;
  }
}
