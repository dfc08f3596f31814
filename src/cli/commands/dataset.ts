// seg-studio dataset download: fetches the Oxford-IIIT Pet archives (resumable), verifies and
// extracts them safely, and imports the result. Ctrl-C keeps the partial download for next time.
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { formatHelp, parseArgs, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { downloadDataset, existingDataset, overwriteBlocker, type DownloadProgress } from '../../engine/data/download';
import { DEFAULT_ANNOTATIONS_URL, DEFAULT_IMAGES_URL } from '../../engine/data/download/sources';
import { ProgressBar } from '../../engine/util/progress';
import { defaultDbPath } from '../../store/default-db-path';
import type { Command } from './command';
import { datasetEffortCommand } from './dataset-effort';
import { JSON_FLAG } from './command';

/** The app's data folder is the default database's folder (SEG_STUDIO_DB / SEG_STUDIO_HOME / per-user folder). */
export function defaultDatasetDest(): string {
  return join(dirname(defaultDbPath()), 'datasets', 'oxford-iiit-pet');
}

const flags: FlagSpec[] = [
  { name: 'dest', type: 'string', description: 'destination folder (default: <data folder>/datasets/oxford-iiit-pet)' },
  { name: 'images-url', type: 'string', description: `images archive: URL, file:// URL or path (default $SEG_STUDIO_PETS_IMAGES_URL or ${DEFAULT_IMAGES_URL})` },
  {
    name: 'annotations-url',
    type: 'string',
    description: `annotations archive (default $SEG_STUDIO_PETS_ANNOTATIONS_URL or ${DEFAULT_ANNOTATIONS_URL})`,
  },
  {
    name: 'force',
    type: 'boolean',
    aliases: ['overwrite'],
    description: 'replace what a previous download put at the destination, without asking (your own files there are kept)',
  },
  { name: 'keep-archives', type: 'boolean', description: 'keep the downloaded .tar.gz files in DEST/.download' },
  JSON_FLAG,
];

const MB = 1e6;

/** One bar per phase and file; byte phases are shown in MB so the counts stay readable. */
function barReporter(enabled: boolean) {
  let key = '';
  let bar: ProgressBar | null = null;
  return {
    update(p: DownloadProgress) {
      if (!enabled) return;
      const k = `${p.phase} ${p.file}`;
      if (k !== key) {
        bar?.finish();
        key = k;
        const what = p.phase === 'import' ? 'checking samples' : p.file;
        bar = new ProgressBar({ label: `${p.phase} ${what}`, unit: p.phase === 'import' ? 'img' : 'MB' });
      }
      const total = p.total ?? p.bytes;
      if (p.phase === 'import') bar!.update(p.bytes, total);
      else bar!.update(Math.round((p.bytes / MB) * 100) / 100, Math.round((total / MB) * 100) / 100);
    },
    finish: () => bar?.finish(),
  };
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export const datasetCommand: Command = {
  help: () =>
    `${formatHelp('seg-studio dataset download [--dest DIR] [--images-url U] [--annotations-url U] [--force] [--json]', flags)}\n\n${datasetEffortCommand.help()}`,
  async run(argv) {
    if (argv[0] === 'effort') return datasetEffortCommand.run(argv.slice(1));
    const { flags: f, positionals } = parseArgs(argv, flags);
    if (positionals[0] !== 'download') throw new UsageError(positionals[0] ? `unknown subcommand "${positionals[0]}"` : 'missing subcommand (download, effort)');
    if (positionals.length > 1) throw new UsageError(`unknown argument "${positionals[1]}"`);
    const json = Boolean(f.json);
    const out = new CliOutput(json);
    const dest = str(f, 'dest') ?? defaultDatasetDest();
    let overwrite = Boolean(f.force);
    const present = existingDataset(dest);
    // Refused even with --force: DEST holds files no download made, or the user changed some.
    const blocked = present.length > 0 ? overwriteBlocker(dest) : null;
    if (blocked) throw new Error(blocked);
    if (present.length > 0 && !overwrite) {
      // Only ask a person at a terminal; scripts must say --force explicitly.
      if (json || !process.stdin.isTTY || !process.stderr.isTTY) {
        throw new Error(`${dest} already holds a dataset (${present.join('/, ')}/); pass --force to replace it`);
      }
      overwrite = await confirm(`${dest} already holds a downloaded dataset. Replace the files that download put there? [y/N] `);
      if (!overwrite) {
        out.info('left the existing dataset in place');
        return 1;
      }
    }
    const controller = new AbortController();
    const onSigint = () => controller.abort(new Error('interrupted; the partial download is kept, run the command again to resume'));
    process.once('SIGINT', onSigint);
    const bars = barReporter(process.stderr.isTTY || !json);
    out.info(`downloading the Oxford-IIIT Pet dataset into ${dest}`);
    try {
      const r = await downloadDataset({
        dest,
        overwrite,
        imagesUrl: str(f, 'images-url'),
        annotationsUrl: str(f, 'annotations-url'),
        keepArchives: Boolean(f['keep-archives']),
        signal: controller.signal,
        onProgress: (p) => bars.update(p),
      });
      bars.finish();
      const { report: _report, ...summary } = r;
      out.result(
        summary,
        [
          `imported ${r.images} samples into ${r.dest} (train ${r.counts.train}, valid ${r.counts.valid}, test ${r.counts.test}; ${r.skipped} files skipped)`,
          ...r.archives.map((a) => `  ${a.name}: ${a.how} from ${a.source}, ${(a.bytes / MB).toFixed(1)} MB, ${a.files} files${a.attempts.length > 1 ? `, ${a.attempts.length} attempts` : ''}`),
          `done in ${r.seconds.toFixed(1)} s`,
        ].join('\n'),
      );
      return 0;
    } finally {
      bars.finish();
      process.removeListener('SIGINT', onSigint);
    }
  },
};
