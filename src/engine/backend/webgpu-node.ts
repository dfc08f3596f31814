/// <reference types="@webgpu/types" />
// WebGPU in Node through Dawn's `webgpu` package: any GPU with Vulkan, Metal or Direct3D 12,
// no CUDA needed. Dawn needs the WebGPU globals and a `navigator.gpu` that Node lacks; we
// install them once, ask for an adapter, and only then import tfjs's webgpu backend (it reads
// `navigator.gpu` when it registers).
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';

export interface WebGpuProbe {
  ok: boolean;
  description: string;
  software: boolean;
  reason?: string;
}

/** Debian's Chromium ships SwiftShader's Vulkan driver: a software adapter for tests and CI. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let gpuInstalled: Promise<GPU | null> | undefined;
const probes = new Map<boolean, Promise<WebGpuProbe>>();
let backendReady: Promise<void> | undefined;

function installGpu(allowSoftware: boolean): Promise<GPU | null> {
  if (!gpuInstalled) {
    gpuInstalled = (async () => {
      // Only an explicit webgpu request falls back to SwiftShader, and only when the user has not configured a Vulkan driver.
      if (allowSoftware && !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
        process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      }
      try {
        const mod = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
        Object.assign(globalThis, mod.globals);
        const gpu = mod.create([]);
        const g = globalThis as { navigator?: { gpu?: GPU } };
        if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
        else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
        return g.navigator?.gpu ?? gpu;
      } catch {
        return null;
      }
    })();
  }
  return gpuInstalled;
}

function isSoftware(info: GPUAdapterInfo | undefined, fallback: boolean): boolean {
  const text = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.description ?? ''} ${info?.device ?? ''}`.toLowerCase();
  return fallback || /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/.test(text);
}

/** Asks Dawn for an adapter. allowSoftware=false reports a software adapter as unavailable. */
export function probeWebGpu(opts: { allowSoftware: boolean }): Promise<WebGpuProbe> {
  let p = probes.get(opts.allowSoftware);
  if (!p) {
    p = (async (): Promise<WebGpuProbe> => {
      const gpu = await installGpu(opts.allowSoftware);
      if (!gpu) return { ok: false, software: false, description: '', reason: 'the webgpu (Dawn) package failed to load' };
      let adapter: GPUAdapter | null = null;
      try {
        adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      } catch (err) {
        return { ok: false, software: false, description: '', reason: `no WebGPU adapter: ${(err as Error).message}` };
      }
      if (!adapter) return { ok: false, software: false, description: '', reason: 'no WebGPU adapter (no Vulkan/Metal/D3D12 driver found)' };
      const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
      const fallback = Boolean((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
      const software = isSoftware(info, fallback);
      const description = [info?.vendor, info?.architecture, info?.description || info?.device].filter(Boolean).join(' ') || 'WebGPU adapter';
      if (software && !opts.allowSoftware) return { ok: false, software, description, reason: `only a software adapter (${description})` };
      return { ok: true, software, description };
    })();
    probes.set(opts.allowSoftware, p);
  }
  return p;
}

export async function useWebGpuBackend(): Promise<void> {
  if (!backendReady) {
    backendReady = (async () => {
      await import('@tensorflow/tfjs-backend-webgpu');
    })();
  }
  await backendReady;
  if (tf.getBackend() !== 'webgpu') {
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs webgpu backend failed to initialise');
  }
  await tf.ready();
}
