// seg-studio runs [show ID]: the runs recorded in the studio database (app, server and CLI).
import { formatHelp, parseArgs, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { appPathsFor } from '../../services/app-paths';
import { openStudioStore } from '../../services/store-adapter';
import { resolveDbPath } from '../../services/studio-db-path';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [{ name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' }, JSON_FLAG];

const dice = (v: number | null | undefined) => (v === null || v === undefined || v < 0 ? '—' : v.toFixed(4));

export const runsCommand: Command = {
  help: () => formatHelp('seg-studio runs [show ID] [--db PATH] [--json]', flags),
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const dbPath = resolveDbPath(str(f, 'db'));
    appPathsFor(dbPath);
    const store = openStudioStore(dbPath);
    try {
      if (positionals[0] === 'show') {
        const id = Number(positionals[1]);
        if (!Number.isInteger(id) || id <= 0) throw new UsageError('runs show needs a run id');
        const run = store.runs.get(id);
        if (!run) throw new Error(`run ${id} does not exist in ${dbPath}`);
        const metrics = store.runs.metrics(id);
        const lines = [
          `run ${run.id} "${run.name}": ${run.status}${run.error ? ` (${run.error})` : ''}`,
          `folder ${run.runDir}; backend ${run.backend ?? '—'}; best valid dice ${dice(run.bestValidDice)} at epoch ${run.bestEpoch ?? '—'}; test dice ${dice(run.testDice)}`,
          `config ${JSON.stringify(run.config)}`,
          'epoch  train dice  train bce  valid dice  valid bce  lr         img/s   seconds',
          ...metrics.map(
            (m) =>
              `${String(m.epoch).padStart(5)}  ${m.trainDice.toFixed(4).padStart(10)}  ${m.trainBce.toFixed(4).padStart(9)}  ${m.validDice.toFixed(4).padStart(10)}  ${m.validBce.toFixed(4).padStart(9)}  ${m.learningRate.toExponential(2).padEnd(9)}  ${m.imagesPerSecond.toFixed(1).padStart(6)}  ${m.seconds.toFixed(1).padStart(7)}`,
          ),
        ];
        out.result({ ...run, metrics }, lines.join('\n'));
        return 0;
      }
      if (positionals.length > 0) throw new UsageError(`unknown argument "${positionals[0]}"`);
      const runs = store.runs.list(10000);
      const lines = runs.length
        ? [
            '   id  status       epochs  best dice  test dice  model          name',
            ...runs.map(
              (r) =>
                `${String(r.id).padStart(5)}  ${r.status.padEnd(11)}  ${`${r.epochsCompleted}/${r.epochs}`.padStart(6)}  ${dice(r.bestValidDice).padStart(9)}  ${dice(r.testDice).padStart(9)}  ${`${r.model} b${r.config.base} ${r.config.size}`.padEnd(13)}  ${r.name}`,
            ),
          ]
        : [`no runs recorded in ${dbPath}`];
      out.result(
        runs.map(({ config: _c, ...r }) => r),
        lines.join('\n'),
      );
      return 0;
    } finally {
      store.close();
    }
  },
};
