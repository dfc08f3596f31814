// Where the run is: a bar over the whole run, images per second over the last 30 s of training,
// and the time left for this epoch and for the run (run-eta.ts).
import { fmtSeconds, ProgressBar } from '../../components/ui';
import type { LiveRunView } from './live-runs';

export function RunProgress({ view }: { view: LiveRunView }) {
  const p = view.progress;
  const phase = p.phase === 'train' ? 'training' : p.phase === 'valid' ? 'validating' : 'testing';
  return (
    <div className="run-progress" data-testid="run-progress">
      <div className="row-between">
        <span>
          Epoch {p.epoch}/{p.epochs} · {phase} batch {p.batch}/{p.batches}
          {p.loss !== undefined && p.loss !== null ? ` · loss ${p.loss.toFixed(4)}` : ''}
        </span>
        <span className="muted" data-testid="run-speed">
          {view.imagesPerSecond !== null ? `${view.imagesPerSecond.toFixed(1)} img/s` : 'measuring speed…'} · epoch{' '}
          <span data-testid="eta-epoch">{fmtSeconds(view.epochSeconds)}</span> left · run <span data-testid="eta-run">{fmtSeconds(view.runSeconds)}</span> left
        </span>
      </div>
      <ProgressBar value={Math.round(view.fraction * 1000)} max={1000} label="Run progress" />
    </div>
  );
}
