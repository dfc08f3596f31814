// One run, live: status, progress, curves, validation previews, best checkpoint and test Dice,
// cancel/resume, and the way on to predictions and export.
import { useState } from 'react';
import { useApi, useApp } from '../../app-context';
import { hrefFor } from '../../router';
import { MetricCharts } from '../../charts/MetricCharts';
import { ErrorBox, fmtDice, fmtSeconds, StatusBadge } from '../../components/ui';
import { useLiveRun } from './use-live-run';
import { RunProgress } from './RunProgress';
import { RunPreviews } from './RunPreviews';
import { ExportModel } from './ExportModel';

export function RunPage({ runId }: { runId: number }) {
  const api = useApi();
  const { datasets } = useApp();
  const { run, error, progress, preview, reload } = useLiveRun(runId);
  const [actionError, setActionError] = useState<string | null>(null);
  const [moreEpochs, setMoreEpochs] = useState('');

  if (error) return <div className="page"><ErrorBox error={error} context={`Loading run ${runId}`} /></div>;
  if (!run) return <div className="page muted">Loading run {runId}…</div>;

  const active = run.status === 'running' || run.status === 'queued';
  const dataset = datasets.find((d) => d.root === run.config.data);
  const duration = run.startedAt ? ((run.finishedAt ? Date.parse(run.finishedAt) : Date.now()) - Date.parse(run.startedAt)) / 1000 : null;
  const act = async (f: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await f();
      reload();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };

  return (
    <div className="page run-page">
      <header className="page-header">
        <a href={hrefFor({ page: 'runs' })}>← Runs</a>
        <h2>
          #{run.id} {run.name}
        </h2>
        <StatusBadge status={run.status} />
        <span className="muted" data-testid="run-epochs">
          {run.epochsCompleted}/{run.epochs} epochs
        </span>
        {active ? (
          <button type="button" className="danger" onClick={() => act(() => api.runs.cancel({ runId }))}>
            Cancel run
          </button>
        ) : (
          <span className="row">
            <label className="inline">
              Epochs
              <input
                className="narrow"
                inputMode="numeric"
                value={moreEpochs}
                placeholder={String(run.status === 'completed' ? run.epochs + 5 : run.epochs)}
                onChange={(e) => setMoreEpochs(e.target.value)}
                aria-label="Epochs to train to when resuming"
              />
            </label>
            <button type="button" onClick={() => act(() => api.runs.resume({ runId, epochs: moreEpochs ? Number(moreEpochs) : run.status === 'completed' ? run.epochs + 5 : undefined }))}>
              Resume
            </button>
          </span>
        )}
      </header>
      <ErrorBox error={actionError} context={`Run ${runId}`} />
      {run.error ? <ErrorBox error={run.error} context="The run stopped" /> : null}
      <dl className="run-facts">
        <div><dt>Model</dt><dd>{run.config.model} · base {run.config.base} · {run.config.size}px</dd></div>
        <div><dt>Training</dt><dd>batch {run.config.batchSize} · lr {run.config.learningRate} ({run.config.schedule})</dd></div>
        <div><dt>Backend</dt><dd>{run.backend ?? run.config.backend}</dd></div>
        <div><dt>Best checkpoint</dt><dd data-testid="best-dice">{run.bestEpoch ? `epoch ${run.bestEpoch} · valid Dice ${fmtDice(run.bestValidDice)}` : '—'}</dd></div>
        <div><dt>Test Dice</dt><dd data-testid="test-dice">{fmtDice(run.testDice)}</dd></div>
        <div><dt>Duration</dt><dd>{fmtSeconds(duration)}</dd></div>
        <div><dt>Dataset</dt><dd><code>{run.config.data}</code></dd></div>
        <div><dt>Run folder</dt><dd><code>{run.runDir}</code></dd></div>
      </dl>
      {progress && active ? <RunProgress p={progress} /> : null}
      <MetricCharts metrics={run.metrics} />
      {preview ? <RunPreviews preview={preview} datasetId={dataset?.id} /> : null}
      {run.epochsCompleted > 0 ? (
        <div className="row">
          <a className="button-link primary" href={hrefFor({ page: 'predictions', runId: run.id, datasetId: dataset?.id })}>
            Predictions of this run
          </a>
        </div>
      ) : null}
      {run.epochsCompleted > 0 ? <ExportModel runId={run.id} defaultFolder={`${run.config.data}/exported-models/run-${run.id}`} /> : null}
    </div>
  );
}
