// seg-studio export-job --run ID --out DIR: the run's configuration as a PyTorch DDP job folder
// (train.py for torchrun, the models, the dataset loader with the studio's splits, the
// augmentation), to train on a GPU machine or a cluster and bring back with import-job.
import { existsSync } from 'node:fs';
import { formatHelp, parseArgs, requireStr, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { openStudioStore } from '../../services/store-adapter';
import { resolveDbPath } from '../../services/studio-db-path';
import { importDataset } from '../../engine/data/import-dataset';
import { resolveDataPath } from '../../engine/data/resolve-data-path';
import { exportTorchJob } from '../../engine/interop/torch-job/export-job';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'run', type: 'number', description: 'the run whose configuration to export (see `seg-studio runs`)' },
  { name: 'out', type: 'string', description: 'the job folder to create (new or empty)' },
  { name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' },
  JSON_FLAG,
];

export const exportJobCommand: Command = {
  help: () =>
    formatHelp('seg-studio export-job --run ID --out DIR [--db PATH] [--json]', flags) +
    '\n\nThen: cd DIR && torchrun --standalone --nproc_per_node=N train.py (see DIR/README.md and docs/cluster.md);\nback in the studio: seg-studio import-job DIR.',
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags);
    if (positionals.length > 0) throw new UsageError(`unknown argument "${positionals[0]}"`);
    const out = new CliOutput(Boolean(f.json));
    const runId = f.run;
    if (typeof runId !== 'number' || !Number.isInteger(runId) || runId <= 0) throw new UsageError('--run needs a run id (see `seg-studio runs`)');
    const target = requireStr(f, 'out');
    const dbPath = resolveDbPath(str(f, 'db'));
    if (!existsSync(dbPath)) throw new Error(`${dbPath}: no studio database here (--db names the studio.db that holds run ${runId})`);
    const store = openStudioStore(dbPath);
    let run;
    try {
      run = store.runs.get(runId);
    } finally {
      store.close();
    }
    if (!run) throw new Error(`run ${runId} does not exist in ${dbPath}`);
    // The split the studio trains this run on: the importer with the run's seed and valFraction.
    const dataset = await importDataset(resolveDataPath(run.config.data), { valFraction: run.config.valFraction, seed: run.config.seed });
    const result = exportTorchJob({ runId, runName: run.name, config: run.config, dataset, out: target });
    out.result(
      { ...result, runId },
      [
        `exported run ${runId} "${run.name}" to ${result.dir}`,
        `  ${result.splits.train} train, ${result.splits.valid} valid, ${result.splits.test} test images from ${dataset.root}`,
        `  run it: cd ${result.dir} && torchrun --standalone --nproc_per_node=N train.py`,
        `  then:   seg-studio import-job ${result.dir}`,
      ].join('\n'),
    );
    return 0;
  },
};
