// One sweep: its configurations ranked by best validation Dice (time, images/s, test Dice, a
// link to each run), their validation curves overlaid as on the runs page's compare, kept live
// by the run events; "New run with the winner's settings" opens the run form filled with them,
// and a stopped sweep (the app closed, a run cancelled) can be resumed.
import { useEffect, useState } from 'react';
import type { RunDetail, SweepDetail } from '../../../../shared/contract';
import { describeSettings } from '../../../../shared/sweep-grid';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useEvent } from '../../hooks/use-event';
import { hrefFor, navigate } from '../../router';
import { LegendMarker, LineChart } from '../../charts/LineChart';
import { runColor } from '../../charts/run-colors';
import { ErrorBox, fmtDice, fmtSeconds, StatusBadge } from '../../components/ui';
import { prefillRunForm } from './run-form-state';

export function SweepPage({ sweepId }: { sweepId: number }) {
  const api = useApi();
  const sweep = useAsync(() => api.sweeps.get({ sweepId }), [api, sweepId]);
  const [curves, setCurves] = useState<Record<number, RunDetail>>({});
  const [actionError, setActionError] = useState<string | null>(null);
  const ours = (runId: number) => Boolean(sweep.data?.ranking.some((r) => r.runId === runId));
  useEvent('run:status', (e) => ours(e.runId) && sweep.reload());
  useEvent('run:epoch', (e) => ours(e.runId) && sweep.reload());

  const runIds = (sweep.data?.ranking ?? []).filter((r) => r.runId !== null && r.epochsCompleted > 0).map((r) => r.runId!);
  const key = (sweep.data?.ranking ?? []).map((r) => `${r.runId}:${r.epochsCompleted}`).join(',');
  useEffect(() => {
    if (!runIds.length) return;
    let live = true;
    Promise.all(runIds.map((runId) => api.runs.get({ runId }))).then(
      (got) => live && setCurves(Object.fromEntries(got.map((r) => [r.id, r]))),
      (err: Error) => live && setActionError(err.message),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);

  const d: SweepDetail | null = sweep.data ?? null;
  const resume = async () => {
    setActionError(null);
    try {
      await api.sweeps.resume({ sweepId });
      sweep.reload();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };
  const newRunFromWinner = () => {
    if (!d?.winner) return;
    prefillRunForm(d.winner.config, `winner of sweep ${d.id}: ${describeSettings(d.winner.settings)}`);
    navigate({ page: 'new-run' });
  };

  const compared = runIds.map((id) => curves[id]).filter((r): r is RunDetail => Boolean(r));
  return (
    <div className="page sweep-page">
      <header className="page-header">
        <h2>
          Sweep #{sweepId} {d ? <span className="muted">{d.name}</span> : null}
        </h2>
        {d ? <StatusBadge status={d.status} /> : null}
        {d?.winner ? (
          <button type="button" className="primary" onClick={newRunFromWinner} data-testid="sweep-winner-run">
            New run with the winner's settings
          </button>
        ) : null}
        {d?.status === 'stopped' ? (
          <button type="button" onClick={resume} data-testid="sweep-resume">
            Resume sweep
          </button>
        ) : null}
      </header>
      <ErrorBox error={sweep.error} context={`Loading sweep ${sweepId}`} />
      <ErrorBox error={actionError} context={`Sweep ${sweepId}`} />
      {d ? (
        <>
          <p className="small muted">
            Grid <code>{d.gridText}</code>
            {d.minutesEach !== null ? `, ${d.minutesEach} min each` : ''}; {d.finished}/{d.configurations} configurations finished.
          </p>
          <div className="table-wrap">
            <table className="runs-table" data-testid="sweep-ranking">
              <caption className="sr-only">Configurations ranked by best validation Dice</caption>
              <thead>
                <tr>
                  <th scope="col">Rank</th>
                  <th scope="col">Settings</th>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Best valid Dice</th>
                  <th scope="col">Test Dice</th>
                  <th scope="col">Epochs</th>
                  <th scope="col">Training time</th>
                  <th scope="col">img/s</th>
                </tr>
              </thead>
              <tbody>
                {d.ranking.map((r) => (
                  <tr key={r.position} data-run-id={r.runId ?? undefined}>
                    <td className="num">{r.rank ?? '—'}</td>
                    <td>{describeSettings(r.settings)}</td>
                    <td>
                      {r.runId !== null ? (
                        <>
                          <LegendMarker color={runColor(r.runId)} />
                          <a href={hrefFor({ page: 'run', runId: r.runId })}>#{r.runId}</a>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td className="num">{fmtDice(r.bestValidDice)}</td>
                    <td className="num">{fmtDice(r.testDice)}</td>
                    <td className="num">{r.epochsCompleted}</td>
                    <td className="num">{fmtSeconds(r.seconds)}</td>
                    <td className="num">{r.imagesPerSecond !== null ? r.imagesPerSecond.toFixed(1) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {d.winner ? (
            <p className="small">
              Winner: run #{d.winner.runId} ({describeSettings(d.winner.settings)}). From a terminal: <code data-testid="sweep-winner-command">{d.winner.command}</code>
            </p>
          ) : null}
          {compared.length ? (
            <section className="charts" aria-label="Compared runs of the sweep" data-testid="compare-charts">
              <LineChart
                title="Validation Dice"
                series={compared.map((r) => ({ name: `#${r.id} ${r.name}`, color: runColor(r.id), points: r.metrics.map((m) => [m.epoch, m.validDice] as [number, number]) }))}
              />
            </section>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
