// One run, live: status, progress, curves, validation previews, best checkpoint and test Dice,
// cancel (confirmed) and resume (with the schedule choice), and the way on to predictions and export.
import { useState } from 'react';
import type { RunDetail } from '../../../../shared/contract';
import { resumedScheduleStart, scheduledLr, type ResumeSchedule } from '../../../../shared/lr-schedule';
import { useApi, useApp } from '../../app-context';
import { hrefFor } from '../../router';
import { MetricCharts } from '../../charts/MetricCharts';
import { LegendMarker } from '../../charts/LineChart';
import { runColor } from '../../charts/run-colors';
import { ErrorBox, fmtDice, fmtSeconds, StatusBadge } from '../../components/ui';
import { useLiveRun } from './use-live-run';
import { useLiveRuns } from './live-runs';
import { RunProgress } from './RunProgress';
import { RunPreviews } from './RunPreviews';
import { ExportModel } from './ExportModel';
import { QueuedNote } from './QueuedNote';
import { useExportFolders } from '../../hooks/use-export-folders';

/** The learning rate of epochs from..to (1-based) under a config's schedule. */
function plannedLr(config: RunDetail['config'], from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let e = from; e <= to; e++) out.push([e, scheduledLr(e - 1, config)]);
  return out;
}

function scheduleText(run: RunDetail): string {
  const c = run.config;
  if (c.schedule !== 'cosine') return `constant lr ${c.learningRate}`;
  const start = c.scheduleStartEpoch ?? 0;
  return start > 0
    ? `cosine ${c.learningRate} → ${c.minLearningRate}, restarted at epoch ${start + 1} (a resume began a new cosine for epochs ${start + 1}–${c.epochs})`
    : `cosine ${c.learningRate} → ${c.minLearningRate} over epochs 1–${c.epochs}`;
}

export function RunPage({ runId }: { runId: number }) {
  const api = useApi();
  const { datasets } = useApp();
  const { run, error, preview, reload } = useLiveRun(runId);
  const live = useLiveRuns();
  const [actionError, setActionError] = useState<string | null>(null);
  const [moreEpochs, setMoreEpochs] = useState('');
  const [resumeSchedule, setResumeSchedule] = useState<ResumeSchedule>('stretch');
  const [confirmCancel, setConfirmCancel] = useState(false);
  const exportFolders = useExportFolders();

  if (error) return <div className="page"><ErrorBox error={error} context={`Loading run ${runId}`} /></div>;
  if (!run) return <div className="page muted">Loading run {runId}…</div>;

  const active = run.status === 'running' || run.status === 'queued';
  const view = run.status === 'running' ? live.view(runId) : null;
  const dataset = datasets.find((d) => d.root === run.config.data);
  const wall = run.startedAt ? ((run.finishedAt ? Date.parse(run.finishedAt) : Date.now()) - Date.parse(run.startedAt)) / 1000 : null;
  // The live part is an estimate; it never shows more training than time has passed since the start.
  const training = Math.min(view ? view.trainingSeconds : run.trainingSeconds, wall ?? Infinity);
  const defaultTarget = run.status === 'completed' ? run.epochs + 5 : run.epochs;
  const target = moreEpochs.trim() ? Number(moreEpochs) : defaultTarget;
  const targetOk = Number.isInteger(target) && target > run.epochsCompleted && target <= 10000;
  const cosine = run.config.schedule === 'cosine';
  // What the rest of the run will train at: the current plan while it runs, the chosen resume when stopped.
  const resumed = { ...run.config, epochs: target, scheduleStartEpoch: resumedScheduleStart(run.config, run.epochsCompleted, resumeSchedule) };
  const planned = !cosine
    ? undefined
    : active
      ? plannedLr(run.config, run.epochsCompleted + 1, run.config.epochs)
      : targetOk
        ? plannedLr(resumed, run.epochsCompleted + 1, target)
        : undefined;
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
          <LegendMarker color={runColor(run.id)} /> #{run.id} {run.name}
        </h2>
        <StatusBadge status={run.status} />
        <span className="muted" data-testid="run-epochs">
          {run.epochsCompleted}/{run.epochs} epochs
        </span>
        {active ? (
          confirmCancel ? (
            <span className="confirm-box" role="group" aria-label="Confirm cancelling the run">
              <span>
                {run.status === 'running'
                  ? `Stop run #${run.id}? The epoch in progress is thrown away; the ${run.epochsCompleted} finished epoch(s) and their checkpoints stay, and the run can be resumed.`
                  : `Take run #${run.id} out of the queue?`}
              </span>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setConfirmCancel(false);
                  void act(() => api.runs.cancel({ runId }));
                }}
              >
                Yes, cancel the run
              </button>
              <button type="button" onClick={() => setConfirmCancel(false)} autoFocus>
                Keep {run.status === 'running' ? 'training' : 'it queued'}
              </button>
            </span>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirmCancel(true)}>
              Cancel run
            </button>
          )
        ) : (
          <span className="row">
            <label className="inline">
              Epochs
              <input
                className="narrow"
                inputMode="numeric"
                value={moreEpochs}
                placeholder={String(defaultTarget)}
                onChange={(e) => setMoreEpochs(e.target.value)}
                aria-label="Epochs to train to when resuming"
                aria-invalid={!targetOk}
              />
            </label>
            {cosine ? (
              <label className="inline">
                Learning rate
                <select value={resumeSchedule} onChange={(e) => setResumeSchedule(e.target.value as ResumeSchedule)} aria-label="Learning-rate schedule when resuming">
                  <option value="stretch">continue the schedule, stretched to the new length</option>
                  <option value="restart">restart the schedule for the extra epochs</option>
                </select>
              </label>
            ) : null}
            <button
              type="button"
              disabled={!targetOk}
              onClick={() => act(() => api.runs.resume({ runId, epochs: target, schedule: resumeSchedule }))}
            >
              Resume
            </button>
          </span>
        )}
      </header>
      {!active && !targetOk ? (
        <p className="field-error" role="alert">
          Resume needs a whole number of epochs above the {run.epochsCompleted} already trained (at most 10000).
        </p>
      ) : null}
      {run.status === 'queued' ? <QueuedNote run={run} /> : null}
      <ErrorBox error={actionError} context={`Run ${runId}`} />
      {run.error ? <ErrorBox error={run.error} context="The run stopped" /> : null}
      <dl className="run-facts">
        <div><dt>Model</dt><dd>{run.config.model} · base {run.config.base} · {run.config.size}px</dd></div>
        <div><dt>Training</dt><dd>batch {run.config.batchSize} · lr {run.config.learningRate} ({run.config.schedule})</dd></div>
        <div><dt>Learning-rate schedule</dt><dd data-testid="run-schedule">{scheduleText(run)}</dd></div>
        <div><dt>Backend</dt><dd>{run.backend ?? run.config.backend}</dd></div>
        <div><dt>Best checkpoint</dt><dd data-testid="best-dice">{run.bestEpoch ? `epoch ${run.bestEpoch} · valid Dice ${fmtDice(run.bestValidDice)}` : '—'}</dd></div>
        <div><dt>Test Dice</dt><dd data-testid="test-dice">{fmtDice(run.testDice)}</dd></div>
        <div>
          <dt>Training time</dt>
          <dd data-testid="training-time" title="the epochs' own durations; time the run was stopped does not count">
            {fmtSeconds(training)}
          </dd>
        </div>
        <div>
          <dt>Wall time</dt>
          <dd data-testid="wall-time" title="from the first start to the end, including time the run was stopped or queued">
            {fmtSeconds(wall)}
          </dd>
        </div>
        <div><dt>Dataset</dt><dd><code>{run.config.data}</code></dd></div>
        <div><dt>Run folder</dt><dd><code>{run.runDir}</code></dd></div>
      </dl>
      {view ? <RunProgress view={view} /> : null}
      <MetricCharts metrics={run.metrics} plannedLr={planned} plannedLabel={active ? 'planned' : `planned if resumed (${resumeSchedule})`} />
      {preview ? <RunPreviews preview={preview} datasetId={dataset?.id} /> : null}
      {run.epochsCompleted > 0 ? (
        <div className="row">
          <a className="button-link primary" href={hrefFor({ page: 'predictions', runId: run.id, datasetId: dataset?.id })}>
            Predictions of this run
          </a>
        </div>
      ) : null}
      {run.epochsCompleted > 0 && exportFolders ? <ExportModel runId={run.id} defaultFolder={exportFolders.model(run.id)} /> : null}
    </div>
  );
}
