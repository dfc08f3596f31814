// Every run in a table (config, status, best Dice, training time, time left), kept live by the
// run events, and the curves of the ticked ones overlaid for comparison, each run in its own
// colour (by run id).
import { useEffect, useState } from 'react';
import type { RunDetail, RunSummary } from '../../../../shared/contract';
import { useApi } from '../../app-context';
import { useAsync } from '../../hooks/use-async';
import { useEvent } from '../../hooks/use-event';
import { hrefFor } from '../../router';
import { LegendMarker, LineChart } from '../../charts/LineChart';
import { runColor } from '../../charts/run-colors';
import { EmptyState, ErrorBox, fmtDice, fmtSeconds, StatusBadge } from '../../components/ui';
import { useLiveRuns, type LiveRunView } from './live-runs';
import { QueuedNote } from './QueuedNote';
import { SweepsList } from './SweepsList';

function progressText(r: RunSummary, v: LiveRunView | null): string {
  if (!v) return `${r.epochsCompleted}/${r.epochs}`;
  return `${r.epochsCompleted}/${r.epochs} · ${Math.floor(v.fraction * 100)}%`;
}

export function RunsPage() {
  const api = useApi();
  const runs = useAsync(() => api.runs.list({}), [api]);
  const [ticked, setTicked] = useState<number[]>([]);
  const [details, setDetails] = useState<Record<number, RunDetail>>({});
  const [compareError, setCompareError] = useState<string | null>(null);
  const live = useLiveRuns();
  useEvent('run:status', () => runs.reload());
  useEvent('run:epoch', (e) => {
    runs.reload();
    if (ticked.includes(e.runId)) setDetails((d) => (d[e.runId] ? { ...d, [e.runId]: { ...d[e.runId]!, metrics: [...d[e.runId]!.metrics.filter((m) => m.epoch !== e.metrics.epoch), e.metrics] } } : d));
  });

  useEffect(() => {
    const missing = ticked.filter((id) => !details[id]);
    if (!missing.length) return;
    Promise.all(missing.map((runId) => api.runs.get({ runId }))).then(
      (got) => setDetails((d) => ({ ...d, ...Object.fromEntries(got.map((r) => [r.id, r])) })),
      (err: Error) => setCompareError(err.message),
    );
  }, [api, ticked, details]);

  const list = runs.data ?? [];
  const compared = ticked.map((id) => details[id]).filter((r): r is RunDetail => Boolean(r));
  const series = (pick: (m: RunDetail['metrics'][number]) => number) =>
    compared.map((r) => ({ name: `#${r.id} ${r.name}`, color: runColor(r.id), points: r.metrics.map((m) => [m.epoch, pick(m)] as [number, number]) }));

  return (
    <div className="page runs-page">
      <header className="page-header">
        <h2>Runs</h2>
        <a className="button-link primary" href={hrefFor({ page: 'new-run' })}>
          New run
        </a>
      </header>
      <ErrorBox error={runs.error} context="Listing runs" />
      {runs.data && !list.length ? (
        <EmptyState title="No runs yet">
          <p>
            Start one from <a href={hrefFor({ page: 'new-run' })}>New run</a>; the <em>cpu-tiny</em> preset trains in seconds per epoch.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="runs-table">
            <caption className="sr-only">Runs; tick runs to compare their curves</caption>
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Config</th>
                <th scope="col">Epochs</th>
                <th scope="col">Best valid Dice</th>
                <th scope="col">Test Dice</th>
                <th scope="col">Training time</th>
                <th scope="col">Speed · time left</th>
                <th scope="col">Backend</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => {
                const v = r.status === 'running' ? live.view(r.id) : null;
                return (
                <tr key={r.id} data-run-id={r.id}>
                  <td>
                    <input
                      type="checkbox"
                      checked={ticked.includes(r.id)}
                      onChange={(e) => setTicked((t) => (e.target.checked ? [...t, r.id] : t.filter((x) => x !== r.id)))}
                      aria-label={`Compare run ${r.id}`}
                    />
                  </td>
                  <td>
                    <LegendMarker color={runColor(r.id)} />
                    <a href={hrefFor({ page: 'run', runId: r.id })}>
                      #{r.id} {r.name}
                    </a>
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                    {r.status === 'queued' ? (
                      <>
                        {' '}
                        <QueuedNote run={r} compact />
                      </>
                    ) : null}
                  </td>
                  <td className="small">{r.model}</td>
                  <td className="num" data-testid="runs-table-epochs">{progressText(r, v)}</td>
                  <td className="num">{fmtDice(r.bestValidDice)}</td>
                  <td className="num">{fmtDice(r.testDice)}</td>
                  <td className="num" data-testid="runs-table-training-time">{fmtSeconds(v ? v.trainingSeconds : r.trainingSeconds)}</td>
                  <td className="num small" data-testid="runs-table-eta">
                    {v ? `${v.imagesPerSecond !== null ? `${v.imagesPerSecond.toFixed(1)} img/s` : '…'} · ${fmtSeconds(v.runSeconds)} left` : '—'}
                  </td>
                  <td className="small">{r.backend ?? '—'}</td>
                </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <SweepsList />
      <ErrorBox error={compareError} context="Loading runs to compare" />
      {compared.length ? (
        <section className="charts" aria-label="Compared runs" data-testid="compare-charts">
          <LineChart title="Validation Dice" series={series((m) => m.validDice)} />
          <LineChart title="Training Dice" series={series((m) => m.trainDice)} />
          <LineChart title="Validation BCE" series={series((m) => m.validBce)} />
          <LineChart title="Learning rate" series={series((m) => m.learningRate)} />
        </section>
      ) : list.length ? (
        <p className="muted">Tick runs in the table to overlay their curves.</p>
      ) : null}
    </div>
  );
}
