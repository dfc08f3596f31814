// Runs scripts/torch-bench.py (Debian's python3-torch) for one configuration as a child process
// in the same invocation as our measurement, so both see the same machine load.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { BenchConfig } from './configs';

export interface TorchResult {
  torchVersion: string;
  threads: number;
  trainImgPerSec: number;
  inferImgPerSec: number;
  trainStepMs: number;
  inferStepMs: number;
  /** PyTorch process peak RSS (MB), for the memory budget (ours ≤ 2× PyTorch's). */
  peakRssMB: number;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'torch-bench.py');

/** Python with torch: SEG_STUDIO_PYTHON, else Debian's /usr/bin/python3 (python3-torch). */
export function torchPython(): string {
  return process.env.SEG_STUDIO_PYTHON ?? '/usr/bin/python3';
}

export function runTorchBench(cfg: BenchConfig, threads: number): Promise<TorchResult> {
  const args = [
    SCRIPT, '--model', cfg.model, '--base', String(cfg.base), '--size', String(cfg.size), '--batch', String(cfg.batch),
    '--threads', String(threads), '--warmup', String(cfg.warmup),
    '--train-iters', String(cfg.trainSteps), '--infer-iters', String(cfg.inferSteps),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(torchPython(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`torch-bench exited with ${code}: ${err.trim().slice(-500)}`));
      try {
        const j = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | string>;
        resolve({
          torchVersion: String(j.torch_version),
          threads: Number(j.threads),
          trainImgPerSec: Number(j.train_img_per_s),
          inferImgPerSec: Number(j.infer_img_per_s),
          trainStepMs: Number(j.train_step_s) * 1000,
          inferStepMs: Number(j.infer_step_s) * 1000,
          peakRssMB: Number(j.peak_rss_mb),
        });
      } catch (e) {
        reject(new Error(`torch-bench printed no JSON result: ${(e as Error).message}; output: ${out.slice(-300)}`));
      }
    });
  });
}
