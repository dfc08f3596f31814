// The CLI's side of the device claim: `train` and `resume` wait (printing who holds the device)
// until no other process trains on it; Ctrl-C while waiting cancels the recorded run and exits.
import type { CliRunRecorder } from '../services/cli-run-recorder';
import type { CliOutput } from './output';

export async function claimDeviceAtTerminal(recorder: CliRunRecorder, out: CliOutput): Promise<void> {
  const stop = new AbortController();
  const onSigint = () => stop.abort(new Error(`stopped while waiting for the device; run ${recorder.runId} is recorded as cancelled`));
  process.once('SIGINT', onSigint);
  try {
    await recorder.claimDevice({ signal: stop.signal, onNotice: (m) => out.info(m) });
  } finally {
    process.off('SIGINT', onSigint);
  }
}
