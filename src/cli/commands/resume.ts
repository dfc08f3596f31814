// seg-studio resume ID: continues a recorded run from `<runDir>/last` in a worker process,
// exactly as the app would, recording its epochs in the database.
import { formatHelp, num, parseArgs, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { createStudioServices } from '../../services/studio-services';
import { resolveDbPath } from '../../services/studio-db-path';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'epochs', type: 'number', description: 'train up to this many epochs in all (default: the run\'s own)' },
  { name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' },
  JSON_FLAG,
];

export const resumeCommand: Command = {
  summary: 'resume an interrupted or stopped run from its last checkpoint',
  help: () => formatHelp('seg-studio resume ID [--epochs N] [--db PATH] [--json]', flags),
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags);
    const id = Number(positionals[0]);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError('resume needs a run id (see `seg-studio runs`)');
    const out = new CliOutput(Boolean(f.json));
    // recover: false — another process (the app) may be training its own runs right now.
    const services = createStudioServices({ dbPath: resolveDbPath(str(f, 'db')), recover: false });
    try {
      services.bus.on('run:epoch', (e) =>
        out.info(`epoch ${e.metrics.epoch}: train dice ${e.metrics.trainDice.toFixed(4)} | valid dice ${e.metrics.validDice.toFixed(4)}${e.improved ? ' *best' : ''}`),
      );
      services.bus.on('run:status', (e) => out.info(`run ${e.runId}: ${e.status}${e.error ? ` (${e.error})` : ''}`));
      // Ctrl-C stops the worker at the next batch; finished epochs stay recorded.
      const onSigint = () => services.runs.cancel(id);
      process.once('SIGINT', onSigint);
      services.runs.resume({ runId: id, epochs: num(f, 'epochs') });
      await services.runs.whenIdle();
      process.off('SIGINT', onSigint);
      const run = services.runs.get(id);
      out.result(
        { id: run.id, status: run.status, epochs: run.epochsCompleted, bestValidDice: run.bestValidDice, testDice: run.testDice, error: run.error },
        `run ${run.id} ${run.status}: ${run.epochsCompleted}/${run.epochs} epochs, best valid dice ${run.bestValidDice?.toFixed(4) ?? '—'}`,
      );
      return run.status === 'completed' ? 0 : 1;
    } finally {
      services.close();
    }
  },
};
