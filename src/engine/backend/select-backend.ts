// Which engine computes: chosen by name, or by `auto` in order of expected speed.
// auto: tfjs-node-gpu with a GPU → WebGPU on a hardware adapter → the native oneDNN CPU backend
// → tfjs-node → wasm. Software GPU adapters (SwiftShader) are never chosen automatically: they
// are far slower than the CPU paths.
import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { registerNativeBackend } from './native-backend';
import { useWasmBackend } from './wasm-backend';
import { probeWebGpu, useWebGpuBackend } from './webgpu-node';
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

const require = createRequire(import.meta.url);

function cpuName(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() || 'CPU'} (${c.length} cores)`;
}

interface TfNodeLoad {
  ok: boolean;
  gpu: boolean;
  reason?: string;
}

/** Loads @tensorflow/tfjs-node-gpu or -node (optional dependencies; absent where libtensorflow could not be downloaded). */
function loadTfNode(preferGpu: boolean): TfNodeLoad {
  const names = preferGpu ? ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] : ['@tensorflow/tfjs-node'];
  const reasons: string[] = [];
  for (const name of names) {
    try {
      require(name);
      return { ok: true, gpu: name.endsWith('-gpu') };
    } catch (err) {
      reasons.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { ok: false, gpu: false, reason: reasons.join('; ') };
}

async function activate(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
}

async function selectExplicit(name: Exclude<BackendChoice, 'auto'>): Promise<SelectedBackend> {
  switch (name) {
    case 'cpu':
      await activate('cpu');
      return { backend: 'cpu', device: cpuName(), detail: 'pure JavaScript kernels (slow; for checks only)' };
    case 'native': {
      const r = await registerNativeBackend();
      if (!r.ok) throw new Error(`backend "native" is not available: ${r.reason}`);
      await activate('native');
      return { backend: 'native', device: r.device ?? cpuName(), detail: `oneDNN + native kernels, ${r.threads ?? '?'} threads` };
    }
    case 'wasm':
      await useWasmBackend();
      return { backend: 'wasm', device: cpuName(), detail: 'WebAssembly SIMD, 1 thread, project training kernels' };
    case 'webgpu': {
      const probe = await probeWebGpu({ allowSoftware: true });
      if (!probe.ok) throw new Error(`backend "webgpu" is not available: ${probe.reason}`);
      await useWebGpuBackend();
      return { backend: 'webgpu', device: probe.description, detail: probe.software ? 'WebGPU (software adapter: slow)' : 'WebGPU' };
    }
    case 'tensorflow': {
      const t = loadTfNode(true);
      if (!t.ok) throw new Error(`backend "tensorflow" is not available: ${t.reason}`);
      await activate('tensorflow');
      return { backend: 'tensorflow', device: t.gpu ? 'GPU (CUDA via libtensorflow)' : cpuName(), detail: t.gpu ? 'tfjs-node-gpu' : 'tfjs-node' };
    }
  }
}

export async function selectBackend(name: BackendChoice = 'auto'): Promise<SelectedBackend> {
  if (name !== 'auto') return selectExplicit(name);
  const tfNodeGpu = loadTfNode(true);
  if (tfNodeGpu.ok && tfNodeGpu.gpu) return selectExplicit('tensorflow');
  const gpu = await probeWebGpu({ allowSoftware: false });
  if (gpu.ok) return selectExplicit('webgpu');
  const native = await registerNativeBackend();
  if (native.ok) return selectExplicit('native');
  if (tfNodeGpu.ok) return selectExplicit('tensorflow');
  return selectExplicit('wasm');
}

/** What this machine offers, for `seg-studio backends` and the run form. */
export async function listBackends(): Promise<BackendAvailability[]> {
  const out: BackendAvailability[] = [];
  const t = loadTfNode(true);
  out.push(t.ok ? { name: 'tensorflow', available: true, device: t.gpu ? 'GPU (CUDA)' : cpuName() } : { name: 'tensorflow', available: false, reason: t.reason });
  const gpu = await probeWebGpu({ allowSoftware: true });
  out.push(
    gpu.ok
      ? { name: 'webgpu', available: true, device: `${gpu.description}${gpu.software ? ' (software adapter)' : ''}` }
      : { name: 'webgpu', available: false, reason: gpu.reason },
  );
  const n = await registerNativeBackend();
  out.push(n.ok ? { name: 'native', available: true, device: `${n.device} (${n.threads} threads)` } : { name: 'native', available: false, reason: n.reason });
  out.push({ name: 'wasm', available: true, device: cpuName() });
  out.push({ name: 'cpu', available: true, device: cpuName() });
  return out;
}
