// seg-studio resume ID: continues a recorded run from `<runDir>/last` in this process (no app,
// no server, no worker), recording its epochs in the database under the same run id. A run whose
// owner died (a `kill -9`ed `train`, a crashed app) reads as interrupted and can be resumed here;
// a run whose owner is alive is refused. Waits, like `train`, while another process trains on
// the device.
import { dirname, resolve } from 'node:path';
import { formatHelp, num, parseArgs, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { train } from '../../engine/train/train';
import type { TrainEvent } from '../../engine/train/train-events';
import { formatDuration, ProgressBar } from '../../engine/util/progress';
import { resumeCliRun } from '../../services/cli-run-recorder';
import { resolveDbPath } from '../../services/studio-db-path';
import { claimDeviceAtTerminal } from '../claim-device';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'epochs', type: 'number', description: 'train up to this many epochs in all (default: the run\'s own)' },
  { name: 'schedule', type: 'string', description: 'cosine runs given more epochs: stretch (one schedule over the new length, default) or restart (a new cosine for the extra epochs)' },
  { name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' },
  JSON_FLAG,
];

/** The lines a person reads while the run trains (stderr with --json). */
function reporter(out: CliOutput): (e: TrainEvent) => void {
  let bar: ProgressBar | undefined;
  return (e) => {
    switch (e.type) {
      case 'started':
        out.info(`backend: ${e.backend} (${e.device}) — ${e.detail}; epochs ${e.startEpoch + 1}..${e.epochs}`);
        break;
      case 'progress':
        if (e.batch === 1 || !bar) bar = new ProgressBar({ label: `${e.phase} ${e.epoch}/${e.epochs}`, unit: 'batch' });
        bar.update(e.batch, e.batches, `${e.imagesPerSecond.toFixed(1)} img/s`);
        if (e.batch === e.batches) {
          bar.finish();
          bar = undefined;
        }
        break;
      case 'epoch': {
        const m = e.metrics;
        out.info(
          `epoch ${m.epoch}: train dice ${m.trainDice.toFixed(4)} | valid dice ${m.validDice.toFixed(4)} | ${formatDuration(m.seconds)}${e.improved ? ' *best' : ''}`,
        );
        break;
      }
      case 'test':
        out.info(`test dice ${e.dice.toFixed(4)} on ${e.images} images`);
        break;
      default:
        break;
    }
  };
}

export const resumeCommand: Command = {
  help: () => formatHelp('seg-studio resume ID [--epochs N] [--schedule stretch|restart] [--db PATH] [--json]', flags),
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags);
    const id = Number(positionals[0]);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError('resume needs a run id (see `seg-studio runs`)');
    const out = new CliOutput(Boolean(f.json));
    const dbPath = resolveDbPath(str(f, 'db'));
    const schedule = str(f, 'schedule') ?? 'stretch';
    if (schedule !== 'stretch' && schedule !== 'restart') throw new UsageError(`--schedule must be stretch or restart (got "${schedule}")`);
    const { recorder, run, config, outDir, resumeFrom } = resumeCliRun({ dbPath, runId: id, epochs: num(f, 'epochs'), schedule });
    out.info(
      `resuming run ${id} "${run.name}" (${run.status}, ${run.epochsCompleted}/${config.epochs} epochs) ` +
        (resumeFrom ? `from ${resumeFrom}` : 'from scratch (no finished epoch was checkpointed)'),
    );
    await claimDeviceAtTerminal(recorder, out);
    // Ctrl-C stops at the next batch; finished epochs stay recorded and the run reads cancelled.
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    process.once('SIGINT', onSigint);
    const show = reporter(out);
    let result: Awaited<ReturnType<typeof train>>;
    try {
      result = await train({
        config,
        outDir,
        resumeFrom,
        signal: stop.signal,
        dataDir: dirname(resolve(dbPath)),
        onEvent: (e) => {
          recorder.onEvent(e);
          show(e);
        },
      });
    } catch (err) {
      recorder.fail(err);
      throw err;
    } finally {
      process.off('SIGINT', onSigint);
    }
    recorder.finish(result);
    const status = result.cancelled ? 'cancelled' : 'completed';
    out.result(
      { id, status, epochs: result.epochsCompleted, bestValidDice: result.bestValidDice, bestEpoch: result.bestEpoch, testDice: result.testDice, checkpoint: result.checkpoint },
      `run ${id} ${status}: ${result.epochsCompleted}/${config.epochs} epochs, best valid dice ${result.bestValidDice.toFixed(4)} at epoch ${result.bestEpoch}` +
        `${result.testDice !== null ? `, test dice ${result.testDice.toFixed(4)}` : ''} (${formatDuration(result.seconds)})`,
    );
    return status === 'completed' ? 0 : 1;
  },
};
