// A run as stored, kept current by events: epochs append to the metrics, previews replace the
// last one, a status change reloads the record (best/test Dice, finish time). The record brings
// the last preview kept in the run folder, so a finished run shows its predictions again.
import { useEffect, useState } from 'react';
import type { RunDetail, StudioEvents } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { useEvent } from '../../hooks/use-event';

export function useLiveRun(runId: number) {
  const api = useApi();
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<StudioEvents['run:progress'] | null>(null);
  const [preview, setPreview] = useState<StudioEvents['run:preview'] | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    api.runs.get({ runId }).then(
      (r) => {
        if (!live) return;
        setRun(r);
        setError(null);
        const kept = r.preview;
        if (kept) setPreview((p) => (p && p.epoch >= kept.epoch ? p : { runId, ...kept }));
      },
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [api, runId, tick]);

  useEvent('run:epoch', (e) => {
    if (e.runId !== runId) return;
    setRun((r) =>
      r
        ? {
            ...r,
            metrics: [...r.metrics.filter((m) => m.epoch !== e.metrics.epoch), e.metrics].sort((a, b) => a.epoch - b.epoch),
            epochsCompleted: Math.max(r.epochsCompleted, e.metrics.epoch),
            bestValidDice: e.bestValidDice,
            bestEpoch: e.bestEpoch,
          }
        : r,
    );
  });
  useEvent('run:progress', (e) => e.runId === runId && setProgress(e));
  useEvent('run:preview', (e) => e.runId === runId && setPreview(e));
  useEvent('run:status', (e) => {
    if (e.runId !== runId) return;
    setRun((r) => (r ? { ...r, status: e.status, error: e.error ?? r.error } : r));
    if (e.status !== 'running') setProgress(null);
    setTick((t) => t + 1);
  });

  return { run, error, progress, preview, reload: () => setTick((t) => t + 1) };
}
