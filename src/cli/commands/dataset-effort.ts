// seg-studio dataset effort --data DIR: the labeling effort on record for a dataset the studio
// knows (labeling effort, issue 13): saved masks, median active seconds per mask, and the share
// of suggestions (a prediction or the click model's answer) saved with no edit.
import { resolve } from 'node:path';
import { formatHelp, parseArgs, requireStr, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { appPathsFor } from '../../services/app-paths';
import { openStudioStore } from '../../services/store-adapter';
import { resolveDbPath } from '../../services/studio-db-path';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'data', type: 'string', aliases: ['data-path'], description: 'the dataset folder (as opened in the studio)' },
  { name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' },
  { name: 'rows', type: 'boolean', description: 'with --json: include every saved mask\'s record' },
  JSON_FLAG,
];

const secs = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} s`);

export const datasetEffortCommand: Command = {
  help: () => formatHelp('seg-studio dataset effort --data DIR [--db PATH] [--rows] [--json]', flags),
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags);
    if (positionals.length > 0) throw new UsageError(`unknown argument "${positionals[0]}"`);
    const out = new CliOutput(Boolean(f.json));
    const root = resolve(requireStr(f, 'data'));
    const dbPath = resolveDbPath(str(f, 'db'));
    appPathsFor(dbPath);
    const store = openStudioStore(dbPath);
    try {
      const dataset = store.datasets.list().find((d) => d.root === root);
      if (!dataset) throw new Error(`${root}: not a dataset the studio has opened (in ${dbPath})`);
      const s = store.effort.summary(dataset.id);
      const lines = [
        `${dataset.name}: ${s.masks} saved mask(s) on record, median ${secs(s.medianSeconds)} per mask, ${secs(s.totalSeconds)} in all`,
        `suggestions accepted with no edit: ${s.acceptedUnedited}/${s.suggestions}${s.acceptedShare === null ? '' : ` (${(s.acceptedShare * 100).toFixed(0)}%)`}`,
        ...(['none', 'prediction', 'interactive'] as const).map((k) => `  ${k.padEnd(11)} ${String(s.bySource[k].masks).padStart(5)} masks, median ${secs(s.bySource[k].medianSeconds)}`),
      ];
      out.result({ datasetId: dataset.id, root, ...s, ...(f.rows ? { rows: store.effort.list(dataset.id) } : {}) }, lines.join('\n'));
      return 0;
    } finally {
      store.close();
    }
  },
};
