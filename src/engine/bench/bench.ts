// `seg-studio bench`: training and inference throughput for the reference configurations on
// one or more tfjs backends, optionally next to PyTorch run in the same invocation.
import { releasePooledStorage } from '../backend/native';
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import * as tf from '@tensorflow/tfjs';

import { nativeThreadCount, registerNativeBackend } from '../backend/native';
import { selectConfigs, type BenchConfig } from './configs';
import { measureConfig, type Measurement } from './measure';
import { runTorchBench, type TorchResult } from './torch';

export interface BenchOptions {
  /** Backend names; 'auto' = native when it loads, else cpu; 'all' = every registered backend. */
  backends: string[];
  only?: string[];
  vsTorch?: boolean;
  onLine?: (s: string) => void;
  /** Replaces each config's warm-up/timed step counts (quick smoke runs, tests). */
  steps?: Pick<BenchConfig, 'warmup' | 'trainSteps' | 'inferSteps'>;
}

export interface BenchResult extends Partial<Measurement> {
  config: string;
  model: BenchConfig['model'];
  base: number;
  size: number;
  batch: number;
  backend: string;
  device: string;
  threads: number;
  commit?: string;
  error?: string;
  torch?: TorchResult;
  /** ours / PyTorch images per second (> 1 means faster than PyTorch). */
  ratioTrain?: number;
  ratioInfer?: number;
  /** our peak RSS / PyTorch's (the memory budget is at most 2). */
  ratioPeakRss?: number;
}

interface ReadyBackend {
  name: string;
  device: string;
  threads: number;
}

async function prepareBackend(name: string): Promise<ReadyBackend> {
  if (name === 'native') {
    const r = await registerNativeBackend();
    if (!r.ok) throw new Error(r.reason);
    if (!(await tf.setBackend('native'))) throw new Error('tf.setBackend("native") failed');
    return { name, device: r.device ?? 'CPU', threads: r.threads ?? nativeThreadCount() };
  }
  if (!tf.findBackendFactory(name)) throw new Error(`backend '${name}' is not registered`);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  // The reference cpu backend is single-threaded JavaScript.
  return { name, device: name === 'cpu' ? 'CPU (pure JS)' : name, threads: name === 'cpu' ? 1 : nativeThreadCount() };
}

async function resolveBackends(requested: string[]): Promise<string[]> {
  const names = requested.length ? requested : ['auto'];
  const out: string[] = [];
  for (const n of names) {
    if (n === 'auto') out.push((await registerNativeBackend()).ok ? 'native' : 'cpu');
    else if (n === 'all') {
      await registerNativeBackend();
      out.push(...Object.keys(tf.engine().registryFactory));
    } else out.push(n);
  }
  return [...new Set(out)];
}

/**
 * A full V8 garbage collection between configurations. A small configuration measured after a
 * big one in the same process ran slower (unet-b8-s64 after unet-b16-s128: 34 vs 24 ms/step
 * alone) and V8 ran 48 mark-compacts during its steps instead of 3 (--trace-gc); collecting
 * first brought that to 31, so later configurations are still somewhat pessimistic. A training
 * worker runs one configuration in a fresh process, as the PyTorch side of this bench does:
 * `--only NAME` per invocation measures that case.
 */
function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    gc?.();
  } catch {
    // Not fatal: the measurement is still valid, only possibly pessimistic for later configs.
  }
}

/**
 * Cheapest configuration first (activation volume base·size² as the proxy). Measured after a
 * bigger model in the same process, a small configuration inherited its GC pressure (see
 * collectGarbage) and its peak RSS; the reverse does not matter for steps that take seconds.
 * Results are still returned in the requested order.
 */
function measurementOrder(configs: BenchConfig[]): BenchConfig[] {
  const cost = (c: BenchConfig) => c.base * c.size * c.size * (c.model === 'resnet34_unet' ? 2 : 1);
  return [...configs].sort((a, b) => cost(a) - cost(b));
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const fmt = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));

export function formatResult(r: BenchResult): string {
  if (r.error) return `${r.config} [${r.backend}] error: ${r.error}`;
  let line =
    `${r.config} [${r.backend}, ${r.threads} thr] train ${fmt(r.trainImgPerSec)} img/s (${fmt(r.trainStepMs, 0)} ms/step), ` +
    `infer ${fmt(r.inferImgPerSec)} img/s, peak RSS ${fmt(r.peakRssMB, 0)} MB, tensors ${r.tensorMemoryFlat ? 'flat' : 'GROWING'}`;
  if (r.torch) {
    line += ` | torch train ${fmt(r.torch.trainImgPerSec)} infer ${fmt(r.torch.inferImgPerSec)} | ratio train ${fmt(r.ratioTrain)} infer ${fmt(r.ratioInfer)}` +
      ` | peak RSS torch ${fmt(r.torch.peakRssMB, 0)} MB (ours ×${fmt(r.ratioPeakRss)})`;
  }
  return line;
}

export async function runBench(opts: BenchOptions): Promise<BenchResult[]> {
  const configs = selectConfigs(opts.only).map((c) => ({ ...c, ...opts.steps }));
  const backends = await resolveBackends(opts.backends);
  const commit = gitCommit();
  const results: BenchResult[] = [];
  const previous = tf.getBackend();
  try {
    for (const cfg of measurementOrder(configs)) {
      const base = { config: cfg.name, model: cfg.model, base: cfg.base, size: cfg.size, batch: cfg.batch, commit };
      const rows: BenchResult[] = [];
      for (const name of backends) {
        let row: BenchResult;
        releasePooledStorage();
        collectGarbage();
        try {
          const b = await prepareBackend(name);
          row = { ...base, backend: b.name, device: b.device, threads: b.threads, ...(await measureConfig(cfg)) };
        } catch (err) {
          row = { ...base, backend: name, device: '?', threads: 0, error: (err as Error).message };
        }
        rows.push(row);
      }
      if (opts.vsTorch) {
        try {
          const torch = await runTorchBench(cfg, nativeThreadCount());
          for (const r of rows) {
            if (r.error) continue;
            r.torch = torch;
            r.ratioTrain = r.trainImgPerSec! / torch.trainImgPerSec;
            r.ratioInfer = r.inferImgPerSec! / torch.inferImgPerSec;
            if (torch.peakRssMB > 0) r.ratioPeakRss = r.peakRssMB! / torch.peakRssMB;
          }
        } catch (err) {
          opts.onLine?.(`${cfg.name}: PyTorch run failed: ${(err as Error).message}`);
        }
      }
      for (const r of rows) opts.onLine?.(formatResult(r));
      results.push(...rows);
    }
  } finally {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  }
  const order = configs.map((c) => c.name);
  return results.sort((a, b) => order.indexOf(a.config) - order.indexOf(b.config));
}
