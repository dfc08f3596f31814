// The 'native' TensorFlow.js backend: the reference CPU backend (JS typed arrays, so the
// addon can read and write tensor storage without copies) with its heavy kernels replaced by
// the Node-API addon in native/ (oneDNN convolutions + OpenMP element-wise/reduce/pool/copy).
// Kernels the addon does not cover, or cases it declines (non-float32, NCHW, ...), run the
// reference CPU implementation unchanged.
import { availableParallelism } from 'node:os';

import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';

import { loadNativeAddon, type NativeAddon } from './addon';
import { convKernels } from './kernels-conv';
import { dataKernels } from './kernels-data';
import { elementwiseKernels } from './kernels-elementwise';
import { gradientKernels, installNativeGradients } from './gradients';
import { batchNormTrainKernels, installFusedBatchNormLayer } from './batchnorm-train';
import type { NativeKernel, NativeKernelArgs } from './kernel-util';
import { installNativeAdam } from '../../train/native-adam';
import { foldKernels, installInferenceFolding } from './inference-fold';
import { escapeInputs, NativeCpuBackend } from './cpu-backend';

export const NATIVE_BACKEND = 'native';

export interface NativeBackendResult {
  ok: boolean;
  reason?: string;
  device?: string;
  threads?: number;
}

export interface NativeKernelInfo {
  available: boolean;
  reason?: string;
  addonPath: string;
  dnnlVersion?: string;
  dnnlCpuRuntime?: string;
  /** oneDNN's implementation for a 3x3 convolution, e.g. "brgconv:avx512_core" (shows the ISA). */
  convImpl?: string;
  compiler?: string;
  threads?: number;
  nativeKernels: string[];
}

export const NATIVE_KERNELS: NativeKernel[] = [...convKernels, ...elementwiseKernels, ...dataKernels, ...gradientKernels, ...batchNormTrainKernels, ...foldKernels];

/** Threads: SEG_STUDIO_THREADS when set to a positive integer, otherwise every available core. */
export function nativeThreadCount(): number {
  const env = Number.parseInt(process.env.SEG_STUDIO_THREADS ?? '', 10);
  return Number.isFinite(env) && env > 0 ? env : availableParallelism();
}

let registered: NativeBackendResult | undefined;

function deviceName(addon: NativeAddon): string {
  return `CPU (${addon.convImplName()}, oneDNN ${addon.info().dnnlVersion})`;
}

/** Per kernel: how often the native path ran and how often it declined to the reference. */
const stats = new Map<string, { native: number; fallback: number }>();

/** Call counts per overridden kernel, so tests and profiling can see which path really ran. */
export function nativeKernelStats(): Record<string, { native: number; fallback: number }> {
  return Object.fromEntries([...stats].map(([k, v]) => [k, { ...v }]));
}

export function resetNativeKernelStats(): void {
  for (const v of stats.values()) v.native = v.fallback = 0;
}

// Reference kernels that never keep a view of an input's storage: they either add a reference
// to the input's data (Identity, Reshape, Cast to the same or a wider type) or write new arrays.
const KEEPS_NO_VIEWS = new Set(['Identity', 'Reshape', 'Cast', 'ClipByValue']);

function wrap(kernel: NativeKernel, addon: NativeAddon, fallback: KernelFunc | undefined): KernelFunc {
  const count = { native: 0, fallback: 0 };
  stats.set(kernel.kernelName, count);
  const reference = fallback && referenceKernel(kernel.kernelName, fallback);
  return (args) => {
    const result = kernel.impl(args as unknown as NativeKernelArgs, addon);
    if (result !== null) {
      count.native++;
      return result;
    }
    count.fallback++;
    if (!reference) throw new Error(`native backend: no reference kernel for ${kernel.kernelName}`);
    return reference(args);
  };
}

/** A reference kernel on 'native': its inputs' storage leaves the buffer pool (it may keep views). */
function referenceKernel(name: string, kernelFunc: KernelFunc): KernelFunc {
  if (KEEPS_NO_VIEWS.has(name)) return kernelFunc;
  return (args) => {
    escapeInputs(args.backend as MathBackendCPU, args.inputs);
    return kernelFunc(args);
  };
}

/**
 * Registers the 'native' backend (idempotent). Never throws: when the addon is missing or
 * fails to load, returns { ok: false, reason } and the studio keeps using the other backends.
 */
export async function registerNativeBackend(): Promise<NativeBackendResult> {
  if (registered) return registered;
  const load = loadNativeAddon();
  if (!load.ok) {
    registered = { ok: false, reason: load.reason };
    return registered;
  }
  try {
    const addon = load.addon;
    const threads = addon.setThreads(nativeThreadCount());
    // Tensors up to 1 GiB reuse freed heap memory instead of fresh (page-faulting) mmap'd
    // pages: allocation was 40-90% of the time of element-wise kernels (docs/speed.md).
    // SEG_STUDIO_NATIVE_MALLOC=0 keeps glibc's defaults.
    if (process.env.SEG_STUDIO_NATIVE_MALLOC !== '0') addon.tuneAllocator(1 << 30, 1 << 30);
    const cpuKernels = new Map<string, KernelConfig>();
    for (const k of tf.getKernelsForBackend('cpu')) cpuKernels.set(k.kernelName, k);
    if (cpuKernels.size === 0) throw new Error("tfjs 'cpu' backend kernels are not registered");
    // Priority 0: never picked implicitly; the studio selects it with tf.setBackend('native').
    if (!tf.findBackendFactory(NATIVE_BACKEND)) tf.registerBackend(NATIVE_BACKEND, () => new NativeCpuBackend(), 0);
    const overridden = new Set(NATIVE_KERNELS.map((k) => k.kernelName));
    for (const [name, config] of cpuKernels) {
      if (!overridden.has(name)) tf.registerKernel({ ...config, backendName: NATIVE_BACKEND, kernelFunc: referenceKernel(name, config.kernelFunc) });
    }
    for (const kernel of NATIVE_KERNELS) {
      const ref = cpuKernels.get(kernel.kernelName);
      tf.registerKernel({
        kernelName: kernel.kernelName,
        backendName: NATIVE_BACKEND,
        kernelFunc: wrap(kernel, addon, ref?.kernelFunc),
        setupFunc: ref?.setupFunc,
        disposeFunc: ref?.disposeFunc,
      });
    }
    installNativeGradients();
    installNativeAdam(addon, NATIVE_BACKEND);
    installFusedBatchNormLayer(process.env.SEG_STUDIO_NATIVE_FUSED_BN !== '0');
    // After the training-mode batch-norm patch: the fold wraps whatever `call` is installed.
    installInferenceFolding();
    registered = { ok: true, device: deviceName(addon), threads };
  } catch (err) {
    registered = { ok: false, reason: `native backend registration failed: ${(err as Error).message}` };
  }
  return registered;
}

/** What the CLI prints about the native path (versions, threads, ISA oneDNN dispatches to). */
export function nativeKernelInfo(): NativeKernelInfo {
  const load = loadNativeAddon();
  const nativeKernels = NATIVE_KERNELS.map((k) => k.kernelName);
  if (!load.ok) return { available: false, reason: load.reason, addonPath: load.path, nativeKernels };
  const info = load.addon.info();
  return {
    available: true,
    addonPath: load.path,
    dnnlVersion: info.dnnlVersion,
    dnnlCpuRuntime: info.dnnlCpuRuntime,
    convImpl: load.addon.convImplName(),
    compiler: info.compiler,
    threads: info.threads,
    nativeKernels,
  };
}
