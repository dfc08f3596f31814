// seg-studio import-job DIR: a PyTorch job exported by export-job (its folder, or the folder its
// train.py wrote with --out) becomes a run in the studio database: its epochs, curves and weights.
import { formatHelp, parseArgs, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { appPathsFor } from '../../services/app-paths';
import { openStudioStore } from '../../services/store-adapter';
import { resolveDbPath } from '../../services/studio-db-path';
import { importTorchJob } from '../../services/torch-job-import';
import { quietTfjs } from '../../engine/backend/quiet-tfjs';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [{ name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' }, JSON_FLAG];

const dice = (v: number | null | undefined) => (v === null || v === undefined || v < 0 ? '—' : v.toFixed(4));

export const importJobCommand: Command = {
  help: () => formatHelp('seg-studio import-job DIR [--db PATH] [--json]   (DIR: the job folder, or its train.py --out folder)', flags),
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags);
    if (positionals.length !== 1) throw new UsageError('import-job needs one folder: the exported job (or the output folder its train.py wrote)');
    const out = new CliOutput(Boolean(f.json));
    quietTfjs();
    const dbPath = resolveDbPath(str(f, 'db'));
    const paths = appPathsFor(dbPath);
    const store = openStudioStore(dbPath);
    try {
      const r = await importTorchJob(store, paths.runsFolder, positionals[0]!);
      out.result(
        { run: r.run, output: r.output, epochs: r.epochs, finished: r.finished },
        [
          `imported ${r.output} as run ${r.run.id} "${r.run.name}": ${r.run.status}, ${r.epochs} epoch(s)`,
          `  best valid dice ${dice(r.run.bestValidDice)} at epoch ${r.run.bestEpoch ?? '—'}; test dice ${dice(r.run.testDice)}`,
          `  folder ${r.run.runDir}`,
        ].join('\n'),
      );
      return 0;
    } finally {
      store.close();
    }
  },
};
