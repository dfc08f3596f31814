// What a queued run waits for: one training per device, so it names the run that holds the
// device (here or in another process) and links to it.
import type { RunSummary } from '../../../../shared/contract';
import { hrefFor } from '../../router';

export function QueuedNote({ run, compact = false }: { run: Pick<RunSummary, 'waitingFor'>; compact?: boolean }) {
  const w = run.waitingFor;
  return (
    <span className={compact ? 'small muted' : 'queued-note'} data-testid="queued-note" role={compact ? undefined : 'status'}>
      {w ? (
        <>
          waiting for <a href={hrefFor({ page: 'run', runId: w.runId })}>run #{w.runId}</a> on the {w.device}
          {compact ? '' : ' (one training per device at a time); it starts when that run ends'}
        </>
      ) : (
        'waiting to start'
      )}
    </span>
  );
}
