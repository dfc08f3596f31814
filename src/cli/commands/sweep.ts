// seg-studio sweep: tries a grid of run configurations one after another, each an ordinary run
// recorded in the studio database (trained in this process, like `train`), then ranks them by
// best valid Dice with time and images/s, and prints the winner's settings as a `train` line.
//
// `--resume ID` continues a sweep whose process died or was stopped: finished configurations
// are kept, an interrupted or cancelled run is resumed from its last checkpoint (from scratch if
// it never finished an epoch), and the configurations after it are started.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatHelp, num, parseArgs, str, type FlagSpec, UsageError } from '../args';
import { CliOutput } from '../output';
import { RUN_PRESETS } from '../../shared/run-config';
import { describeSettings } from '../../shared/sweep-grid';
import type { SweepDetail } from '../../shared/contract';
import { train } from '../../engine/train/train';
import { formatDuration } from '../../engine/util/progress';
import { appPathsFor } from '../../services/app-paths';
import { recordCliRun, resumeCliRun, type CliRunRecorder } from '../../services/cli-run-recorder';
import { resolveDbPath } from '../../services/studio-db-path';
import { openStudioStore } from '../../services/store-adapter';
import type { StudioStore } from '../../services/store-types';
import { createSweep, mustGetSweep, nextStep, sweepDetail, sweepRunName } from '../../services/sweeps-service';
import { claimDeviceAtTerminal } from '../claim-device';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'data', type: 'string', aliases: ['data_path', 'data-path'], description: 'dataset folder every configuration trains on, or "sample"' },
  { name: 'grid', type: 'string', description: "settings to try, e.g. 'size=128,160;lr=1e-3,2e-3' (keys: run-config fields or lr, batch, width; augment=on,off or a strength such as 1.5)" },
  { name: 'minutes-each', type: 'number', description: 'time budget of each configuration (epochs planned from its first epoch)' },
  { name: 'preset', type: 'string', description: `start every configuration from a preset: ${Object.keys(RUN_PRESETS).join(', ')}` },
  { name: 'epochs', type: 'number', description: 'epochs of each configuration (with --minutes-each: the most it may plan)' },
  { name: 'backend', type: 'string', description: 'auto|native|tensorflow|wasm|webgpu|cpu for every configuration' },
  { name: 'name', type: 'string', description: 'the sweep\'s name' },
  { name: 'resume', type: 'number', description: 'continue sweep ID (a done sweep: print its ranking)' },
  { name: 'db', type: 'string', description: 'studio database (default: $SEG_STUDIO_DB or the app data folder)' },
  JSON_FLAG,
];

export const sweepCommand: Command = {
  help: () =>
    formatHelp("seg-studio sweep --data DIR --grid 'size=128,160;lr=1e-3,2e-3' [--minutes-each M] [--preset P] [--db PATH] [--json] | seg-studio sweep --resume ID", flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const dbPath = resolveDbPath(str(f, 'db'));
    const paths = appPathsFor(dbPath);
    const resumeId = num(f, 'resume');
    if (resumeId !== undefined) {
      for (const k of ['data', 'grid', 'minutes-each', 'preset', 'epochs', 'backend', 'name']) {
        if (f[k] !== undefined) throw new UsageError(`--${k} is fixed when the sweep is made; --resume continues it as it was`);
      }
    } else {
      if (str(f, 'data') === undefined) throw new UsageError('sweep needs --data DIR (or --resume ID)');
      if (str(f, 'grid') === undefined) throw new UsageError("sweep needs --grid, e.g. --grid 'size=128,160;lr=1e-3,2e-3'");
      if (num(f, 'minutes-each') === undefined && num(f, 'epochs') === undefined && str(f, 'preset') === undefined) {
        throw new UsageError('give each configuration a budget: --minutes-each M, --epochs N or a --preset');
      }
    }
    const store = openStudioStore(dbPath);
    try {
      // Runs whose process is gone read as interrupted before anything is decided.
      store.runs.recoverInterrupted({ ownerless: false });
      const sweepId =
        resumeId ??
        createSweep(store, {
          data: str(f, 'data') === 'sample' ? 'sample' : resolve(str(f, 'data')!),
          grid: str(f, 'grid')!,
          minutesEach: num(f, 'minutes-each'),
          preset: str(f, 'preset'),
          epochs: num(f, 'epochs'),
          backend: str(f, 'backend'),
          name: str(f, 'name'),
        }).id;
      const sweep = mustGetSweep(store, sweepId);
      out.info(`${resumeId !== undefined ? 'continuing' : 'recording'} sweep ${sweepId} "${sweep.name}" (${sweep.configurations.length} configurations) in ${dbPath}`);
      const stopped = await runConfigurations(store, sweepId, dbPath, paths.runsFolder, out);
      const detail = sweepDetail(store, mustGetSweep(store, sweepId));
      if (detail.status === 'done') store.sweeps.setFinished(sweepId, true);
      printRanking(out, detail, stopped);
      return stopped ? 1 : 0;
    } finally {
      store.close();
    }
  },
};

/** Trains the remaining configurations in order; true when the user stopped the sweep. */
async function runConfigurations(store: StudioStore, sweepId: number, dbPath: string, runsFolder: string, out: CliOutput): Promise<boolean> {
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      const sweep = mustGetSweep(store, sweepId);
      const step = nextStep(store, sweep);
      if (step.kind === 'done') return false;
      const total = sweep.configurations.length;
      if (step.kind === 'busy') {
        throw new Error(`sweep ${sweepId}: configuration ${step.position + 1}'s run ${step.runId} is queued or training in another process that is alive; wait for it, or stop it there`);
      }
      let recorder: CliRunRecorder;
      let config;
      let outDir: string;
      let resumeFrom: string | undefined;
      if (step.kind === 'start') {
        config = step.config;
        outDir = freshFolder(join(runsFolder, `sweep-${sweepId}`, `config-${step.position + 1}`));
        recorder = recordCliRun({ dbPath, config, outDir, name: sweepRunName(sweep, step.position) });
        try {
          store.sweeps.attachRun(sweepId, step.position, recorder.runId);
        } catch (err) {
          recorder.fail(err);
          throw err;
        }
        out.info(`configuration ${step.position + 1}/${total} (${describeSettings(step.settings)}): run ${recorder.runId}`);
      } else {
        const r = resumeCliRun({ dbPath, runId: step.runId });
        ({ recorder, config, outDir, resumeFrom } = r);
        out.info(
          `configuration ${step.position + 1}/${total} (${describeSettings(step.settings)}): resuming ${step.status} run ${step.runId} ` +
            (resumeFrom ? `from ${resumeFrom}` : 'from scratch (no finished epoch was checkpointed)'),
        );
      }
      await claimDeviceAtTerminal(recorder, out);
      try {
        const result = await train({
          config,
          outDir,
          resumeFrom,
          signal: stop.signal,
          dataDir: dirname(resolve(dbPath)),
          onEvent: (e) => {
            recorder.onEvent(e);
            if (e.type === 'planned') out.info(`  planned ${e.epochs} epochs in ${config.minutes} min`);
            else if (e.type === 'epoch') out.info(`  epoch ${e.metrics.epoch}: valid dice ${e.metrics.validDice.toFixed(4)}, ${e.metrics.imagesPerSecond.toFixed(1)} img/s, ${formatDuration(e.metrics.seconds)}${e.improved ? ' *best' : ''}`);
          },
        });
        recorder.finish(result);
        if (result.cancelled) return true;
        out.info(`  best valid dice ${result.bestValidDice.toFixed(4)} at epoch ${result.bestEpoch} (${formatDuration(result.seconds)})`);
      } catch (err) {
        // One configuration that cannot train (too large for memory, say) does not end the sweep.
        recorder.fail(err);
        out.warn(`configuration ${step.position + 1}/${total} failed: ${(err as Error).message}`);
      }
      if (stop.signal.aborted) return true;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A run folder not used before (a deleted run's leftovers are never written over). */
function freshFolder(path: string): string {
  if (!existsSync(path)) return path;
  for (let i = 2; ; i++) if (!existsSync(`${path}-${i}`)) return `${path}-${i}`;
}

function printRanking(out: CliOutput, d: SweepDetail, stopped: boolean): void {
  const rows = d.ranking.map((r) => [
    r.rank !== null ? String(r.rank) : '-',
    describeSettings(r.settings),
    r.bestValidDice !== null ? r.bestValidDice.toFixed(4) : '-',
    r.testDice !== null ? r.testDice.toFixed(4) : '-',
    String(r.epochsCompleted),
    formatDuration(r.seconds),
    r.imagesPerSecond !== null ? r.imagesPerSecond.toFixed(1) : '-',
    r.runId !== null ? `${r.runId} (${r.status})` : 'pending',
  ]);
  const head = ['rank', 'settings', 'valid dice', 'test dice', 'epochs', 'time', 'img/s', 'run'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const text = [
    `sweep ${d.id} "${d.name}": ${d.finished}/${d.configurations} configurations finished (${d.status})`,
    line(head),
    ...rows.map(line),
    d.winner ? `winner: run ${d.winner.runId} (${describeSettings(d.winner.settings)}); train it again with:\n  ${d.winner.command}` : 'no configuration has finished an epoch yet',
    ...(d.status !== 'done' || stopped ? [`continue with: seg-studio sweep --resume ${d.id}`] : []),
  ].join('\n');
  out.result(
    {
      sweepId: d.id,
      name: d.name,
      status: d.status,
      grid: d.gridText,
      minutesEach: d.minutesEach,
      ranking: d.ranking.map(({ config: _config, ...r }) => r),
      winner: d.winner,
    },
    text,
  );
}
