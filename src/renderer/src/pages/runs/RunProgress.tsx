// Where the run is inside its epoch: a bar over batches, images per second and time left.
import type { StudioEvents } from '../../../../shared/contract';
import { fmtSeconds, ProgressBar } from '../../components/ui';

export function RunProgress({ p }: { p: StudioEvents['run:progress'] }) {
  const phase = p.phase === 'train' ? 'training' : p.phase === 'valid' ? 'validating' : 'testing';
  return (
    <div className="run-progress" data-testid="run-progress">
      <div className="row-between">
        <span>
          Epoch {p.epoch}/{p.epochs} · {phase} batch {p.batch}/{p.batches}
          {p.loss !== undefined ? ` · loss ${p.loss.toFixed(4)}` : ''}
        </span>
        <span className="muted">
          {p.imagesPerSecond.toFixed(1)} img/s · ETA {fmtSeconds(p.etaSeconds)}
        </span>
      </div>
      <ProgressBar value={(p.epoch - 1) * p.batches + p.batch} max={p.epochs * p.batches} label="Run progress" />
    </div>
  );
}
