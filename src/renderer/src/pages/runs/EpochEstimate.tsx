// Estimated time per epoch for the form's config (runs.estimateEpoch), asked for a moment after
// the config stops changing. Without history the service explains what to do; that is shown as is.
import { useEffect, useState } from 'react';
import type { EpochEstimate as Estimate } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { fmtSeconds } from '../../components/ui';

export function EpochEstimate({ config, valid }: { config: unknown; valid: boolean }) {
  const api = useApi();
  const [est, setEst] = useState<Estimate | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const key = JSON.stringify(config);
  useEffect(() => {
    if (!valid) return;
    let live = true;
    const t = setTimeout(() => {
      api.runs.estimateEpoch({ config }).then(
        (e) => {
          if (!live) return;
          setEst(e);
          setMsg(null);
        },
        (err: Error) => {
          if (!live) return;
          setEst(null);
          setMsg(err.message);
        },
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, valid]);
  return (
    <div className="estimate" aria-live="polite" data-testid="epoch-estimate">
      <strong>Estimated time per epoch: </strong>
      {est ? (
        <span>
          {fmtSeconds(est.secondsPerEpoch)} ({est.trainImages} images at {est.imagesPerSecond.toFixed(1)} img/s, from {est.basis === 'history' ? 'earlier runs' : 'a timed trial'})
        </span>
      ) : (
        <span className="muted">{msg ?? (valid ? 'estimating…' : 'fix the fields marked below first')}</span>
      )}
    </div>
  );
}
