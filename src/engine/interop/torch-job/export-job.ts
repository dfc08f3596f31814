// `seg-studio export-job`: a run's configuration as a self-contained PyTorch DDP training job.
// The folder holds the job's Python (train.py, data.py, augment.py from python/ next to this file,
// models.py copied from scripts/torch_reference_models.py at export time, so the models have one
// source), config.json (the run, the dataset's absolute path) and splits.json (the studio
// importer's own split for the run's seed and validation fraction, so the job trains, selects and
// tests on exactly the studio's images). Nothing existing is replaced: the folder must be new or empty.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../../../shared/run-config';
import type { ImportReport, Sample } from '../../types';
import { JOB_FILES, JOB_FORMAT, JOB_VERSION, type JobConfigFile, type SplitEntry, type SplitsFile } from './job-format';
import { jobReadme } from './job-readme';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The job's Python sources, kept as real files beside this module. */
export const JOB_PYTHON_DIR = join(HERE, 'python');
/** The one PyTorch definition of the models (the parity test holds the studio to it). */
export const REFERENCE_MODELS = join(HERE, '..', '..', '..', '..', 'scripts', 'torch_reference_models.py');

export interface ExportJobOptions {
  runId: number;
  runName: string;
  config: RunConfig;
  /** The dataset as the studio's importer reads it for this run (its seed and valFraction). */
  dataset: ImportReport;
  out: string;
}

export interface ExportJobResult {
  dir: string;
  jobId: string;
  files: string[];
  splits: { train: number; valid: number; test: number };
}

function relativePosix(root: string, file: string): string {
  const rel = relative(root, file);
  if (rel.startsWith('..') || resolve(root, rel) !== resolve(file)) throw new Error(`${file}: lies outside the dataset folder ${root}`);
  return rel.split(sep).join('/');
}

function entries(root: string, samples: Sample[]): SplitEntry[] {
  return samples.map((s) => ({ id: s.id, image: relativePosix(root, s.imagePath), mask: relativePosix(root, s.maskPath!) }));
}

/** Refuses a target that holds anything: an export never mixes with or replaces earlier files. */
function prepareFolder(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir}: exists and is not a folder`);
    if (readdirSync(dir).length > 0) throw new Error(`${dir}: folder is not empty; export-job writes only into a new or empty folder`);
  }
  mkdirSync(dir, { recursive: true });
}

export function exportTorchJob(opts: ExportJobOptions): ExportJobResult {
  const { config, dataset } = opts;
  if (config.interactive?.enabled) throw new Error(`run ${opts.runId} is a click-to-segment run; export-job trains plain segmentation runs only`);
  for (const f of [JOB_FILES.train, JOB_FILES.data, JOB_FILES.augment]) {
    if (!existsSync(join(JOB_PYTHON_DIR, f))) throw new Error(`${join(JOB_PYTHON_DIR, f)}: the job's Python source is missing from this installation`);
  }
  if (!existsSync(REFERENCE_MODELS)) throw new Error(`${REFERENCE_MODELS}: the reference PyTorch models are missing from this installation`);
  // As the training loop splits (engine/train/train.ts splitSamples), without loading the engine's tfjs.
  const labeled = dataset.samples.filter((s) => s.maskPath);
  const splits = { train: labeled.filter((s) => s.split === 'train'), valid: labeled.filter((s) => s.split === 'valid'), test: labeled.filter((s) => s.split === 'test') };
  if (splits.train.length === 0) throw new Error(`${dataset.root}: no labeled training images for run ${opts.runId}`);
  const encoding = dataset.samples[0]?.maskEncoding ?? (dataset.layout === 'oxford' ? 'trimap' : 'binary');

  const dir = resolve(opts.out);
  prepareFolder(dir);
  const jobId = randomUUID();
  const configFile: JobConfigFile = {
    format: JOB_FORMAT,
    version: JOB_VERSION,
    jobId,
    runId: opts.runId,
    runName: opts.runName,
    exportedAt: new Date().toISOString(),
    run: config,
    dataset: { path: dataset.root, layout: dataset.layout, maskEncoding: encoding },
  };
  const splitsFile: SplitsFile = {
    layout: dataset.layout,
    maskEncoding: encoding,
    seed: config.seed,
    valFraction: config.valFraction,
    train: entries(dataset.root, splits.train),
    valid: entries(dataset.root, splits.valid),
    test: entries(dataset.root, splits.test),
  };
  writeFileSync(join(dir, JOB_FILES.config), `${JSON.stringify(configFile, null, 2)}\n`, { flag: 'wx' });
  writeFileSync(join(dir, JOB_FILES.splits), `${JSON.stringify(splitsFile, null, 1)}\n`, { flag: 'wx' });
  for (const f of [JOB_FILES.train, JOB_FILES.data, JOB_FILES.augment]) copyFileSync(join(JOB_PYTHON_DIR, f), join(dir, f));
  copyFileSync(REFERENCE_MODELS, join(dir, JOB_FILES.models));
  const counts = { train: splits.train.length, valid: splits.valid.length, test: splits.test.length };
  writeFileSync(join(dir, JOB_FILES.readme), jobReadme({ config: configFile, counts }), { flag: 'wx' });
  return { dir, jobId, files: Object.values(JOB_FILES).map((f) => join(dir, f)), splits: counts };
}
