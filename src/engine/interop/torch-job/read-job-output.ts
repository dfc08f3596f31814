// Reads what a finished (or stopped) train.py left in its output folder, checking each file, so
// import-job refuses a half-written or foreign folder with a message naming the file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseRunConfig, type RunConfig } from '../../../shared/run-config';
import type { EpochMetrics } from '../../types';
import { JOB_FILES, JOB_FORMAT, OUTPUT_FILES, type JobConfigFile, type JobOutputFile, type MetricsLine, type SummaryFile } from './job-format';

export interface JobOutput {
  /** The output folder (metrics.jsonl, best.pth, ...). */
  dir: string;
  /** The job folder's config.json when the output lies in it (absent when given a bare output folder). */
  job?: JobConfigFile;
  ran: JobOutputFile;
  /** The run's configuration as trained (epochs after --epochs; data: the studio's dataset path). */
  config: RunConfig;
  metrics: EpochMetrics[];
  lines: MetricsLine[];
  /** Present once the job finished all its epochs. */
  summary?: SummaryFile;
  best: string;
  last: string;
}

function readJson<T>(file: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

const METRIC_FIELDS = ['trainBce', 'trainDiceLoss', 'trainDice', 'validBce', 'validDiceLoss', 'validDice', 'learningRate', 'seconds', 'imagesPerSecond', 'bestValidDice', 'bestEpoch'] as const;

function readMetrics(file: string): MetricsLine[] {
  const text = readFileSync(file, 'utf8');
  const lines: MetricsLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let row: MetricsLine;
    try {
      row = JSON.parse(raw) as MetricsLine;
    } catch (err) {
      throw new Error(`${file}: line ${i + 1} is not JSON (${(err as Error).message})`);
    }
    if (row.epoch !== lines.length + 1) throw new Error(`${file}: line ${i + 1} is epoch ${row.epoch}, expected epoch ${lines.length + 1}`);
    for (const k of METRIC_FIELDS) {
      if (typeof row[k] !== 'number' || !Number.isFinite(row[k])) throw new Error(`${file}: line ${i + 1} (epoch ${row.epoch}) has no finite "${k}"`);
    }
    lines.push(row);
  });
  if (lines.length === 0) throw new Error(`${file}: no epoch finished yet (the file is empty)`);
  return lines;
}

/** The output folder of `dir`: `dir` itself when it holds job.json, else the job folder's output/. */
export function locateOutput(dir: string): { output: string; job?: JobConfigFile } {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new Error(`${abs}: no such folder`);
  const jobFile = join(abs, JOB_FILES.config);
  let job: JobConfigFile | undefined;
  if (existsSync(jobFile)) {
    job = readJson<JobConfigFile>(jobFile);
    if (job.format !== JOB_FORMAT) throw new Error(`${jobFile}: not a seg-studio job (format "${String(job.format)}")`);
  }
  if (existsSync(join(abs, OUTPUT_FILES.job))) return { output: abs, job };
  if (job) {
    const output = join(abs, OUTPUT_FILES.folder);
    if (existsSync(join(output, OUTPUT_FILES.job))) return { output, job };
    throw new Error(`${abs}: the job has not written ${join(OUTPUT_FILES.folder, OUTPUT_FILES.job)} yet (not run here? pass the folder given to train.py --out)`);
  }
  throw new Error(`${abs}: neither a job folder (${JOB_FILES.config}) nor a job's output folder (${OUTPUT_FILES.job})`);
}

export function readJobOutput(dir: string): JobOutput {
  const { output, job } = locateOutput(dir);
  const ranFile = join(output, OUTPUT_FILES.job);
  const ran = readJson<JobOutputFile>(ranFile);
  if (ran.format !== 'seg-studio-torch-job-output') throw new Error(`${ranFile}: not written by a seg-studio job (format "${String(ran.format)}")`);
  if (job && ran.jobId && ran.jobId !== job.jobId) throw new Error(`${output}: written by job ${ran.jobId}, but ${join(dir, JOB_FILES.config)} is job ${job.jobId}`);
  let config: RunConfig;
  try {
    config = parseRunConfig(ran.config);
  } catch (err) {
    throw new Error(`${ranFile}: ${(err as Error).message}`);
  }
  const lines = readMetrics(join(output, OUTPUT_FILES.metrics));
  const best = join(output, OUTPUT_FILES.best);
  const last = join(output, OUTPUT_FILES.last);
  for (const f of [best, last]) if (!existsSync(f)) throw new Error(`${f}: missing (metrics.jsonl lists ${lines.length} epoch(s))`);
  const summaryFile = join(output, OUTPUT_FILES.summary);
  const summary = existsSync(summaryFile) ? readJson<SummaryFile>(summaryFile) : undefined;
  const metrics: EpochMetrics[] = lines.map((l) => ({
    epoch: l.epoch,
    trainBce: l.trainBce,
    trainDiceLoss: l.trainDiceLoss,
    trainDice: l.trainDice,
    validBce: l.validBce,
    validDiceLoss: l.validDiceLoss,
    validDice: l.validDice,
    learningRate: l.learningRate,
    seconds: l.seconds,
    imagesPerSecond: l.imagesPerSecond,
  }));
  return { dir: output, job, ran, config, metrics, lines, summary, best, last };
}
