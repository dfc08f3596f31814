// Which engine computes: chosen by name, or by `auto` in order of expected speed.
// auto: tfjs-node-gpu with a GPU → WebGPU on a hardware adapter → the native oneDNN CPU backend
// → tfjs-node → wasm. Software GPU adapters (SwiftShader) are never chosen automatically: they
// are far slower than any CPU path. See docs/backends.md.
import * as tf from '@tensorflow/tfjs';
import { installUnbiasedMovingVariance } from '../models/batch-norm-moving-variance';
import { cpus } from 'node:os';
import { useWasmBackend, wasmAvailability } from './wasm-backend';
import { probeWebGpu, useWebGpuBackend } from './webgpu-node';
import { loadTfNode, type TfNodeLoad } from './tfjs-node';
import { quietTfjs } from './quiet-tfjs';
import type { BACKENDS } from '../../shared/run-config';

export type BackendChoice = (typeof BACKENDS)[number];

export interface SelectedBackend {
  /** The tfjs backend name now active. */
  backend: string;
  /** What it runs on, in words (CPU model, GPU adapter). */
  device: string;
  detail: string;
}

export interface BackendAvailability {
  name: Exclude<BackendChoice, 'auto'>;
  available: boolean;
  device?: string;
  reason?: string;
}

interface NativeResult {
  ok: boolean;
  reason?: string;
  device?: string;
  threads?: number;
}

function cpuName(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() || 'CPU'} (${c.length} cores)`;
}

/**
 * The native backend is imported lazily: its module loads a compiled addon, which must not be
 * a prerequisite for importing this file (the CLI, wasm-only installs, tests).
 */
async function registerNative(): Promise<NativeResult> {
  try {
    const mod = (await import('./native')) as { registerNativeBackend: () => Promise<NativeResult> };
    return await mod.registerNativeBackend();
  } catch (err) {
    return { ok: false, reason: `native backend module failed to load: ${(err as Error).message.split('\n')[0]}` };
  }
}

async function activate(name: string): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
}

function tfNodeDevice(t: TfNodeLoad): string {
  return t.gpuDevice ? 'NVIDIA GPU (CUDA via libtensorflow)' : cpuName();
}

async function selectExplicit(name: Exclude<BackendChoice, 'auto'>, viaAuto = false): Promise<SelectedBackend> {
  switch (name) {
    case 'cpu':
      await activate('cpu');
      return { backend: 'cpu', device: cpuName(), detail: 'pure JavaScript kernels (slow; for checks only)' };
    case 'native': {
      const r = await registerNative();
      if (!r.ok) throw new Error(`backend "native" is not available: ${r.reason}`);
      await activate('native');
      return { backend: 'native', device: r.device ?? cpuName(), detail: `oneDNN + native kernels, ${r.threads ?? '?'} threads` };
    }
    case 'wasm':
      await useWasmBackend();
      return { backend: 'wasm', device: cpuName(), detail: 'WebAssembly SIMD, 1 thread, with the project\'s training kernels' };
    case 'webgpu': {
      // An explicit request may use a software adapter (and may switch on SwiftShader); auto may not.
      const probe = await useWebGpuBackend({ allowSoftware: !viaAuto });
      return { backend: 'webgpu', device: probe.description, detail: probe.software ? 'WebGPU via Dawn (software adapter: slow)' : 'WebGPU via Dawn' };
    }
    case 'tensorflow': {
      const t = loadTfNode();
      if (!t.ok) throw new Error(`backend "tensorflow" is not available: ${t.reason}`);
      await activate('tensorflow');
      return { backend: 'tensorflow', device: tfNodeDevice(t), detail: `${t.pkg} (libtensorflow)` };
    }
    default:
      throw new Error(`unknown backend "${String(name)}" (auto, native, tensorflow, wasm, webgpu or cpu)`);
  }
}

export async function selectBackend(name: BackendChoice = 'auto'): Promise<SelectedBackend> {
  const selected = await selectAny(name);
  // PyTorch's unbiased running variance on every backend (the native one patched it already).
  installUnbiasedMovingVariance();
  return selected;
}

async function selectAny(name: BackendChoice): Promise<SelectedBackend> {
  quietTfjs();
  if (name !== 'auto') return selectExplicit(name);
  const tfNode = loadTfNode();
  if (tfNode.ok && tfNode.gpuDevice) return selectExplicit('tensorflow', true);
  if ((await probeWebGpu({ allowSoftware: false })).ok) return selectExplicit('webgpu', true);
  if ((await registerNative()).ok) return selectExplicit('native', true);
  if (tfNode.ok) return selectExplicit('tensorflow', true);
  return selectExplicit('wasm', true);
}

/** What this machine offers, for `seg-studio backends` and the run form. Changes no state the user sees. */
export async function listBackends(): Promise<BackendAvailability[]> {
  quietTfjs();
  const out: BackendAvailability[] = [];
  const n = await registerNative();
  out.push(n.ok ? { name: 'native', available: true, device: `${n.device ?? cpuName()} (${n.threads ?? '?'} threads)` } : { name: 'native', available: false, reason: n.reason });
  const t = loadTfNode();
  out.push(t.ok ? { name: 'tensorflow', available: true, device: `${tfNodeDevice(t)} [${t.pkg}]` } : { name: 'tensorflow', available: false, reason: t.reason });
  const w = wasmAvailability();
  out.push(w.ok ? { name: 'wasm', available: true, device: cpuName() } : { name: 'wasm', available: false, reason: w.reason });
  // What an explicit `webgpu` would get, software adapters included (marked as such).
  const gpu = await probeWebGpu({ allowSoftware: true });
  out.push(gpu.ok ? { name: 'webgpu', available: true, device: gpu.description } : { name: 'webgpu', available: false, reason: gpu.reason });
  out.push({ name: 'cpu', available: true, device: cpuName() });
  return out;
}
