/// <reference types="@webgpu/types" />
// WebGPU in Node through Dawn's `webgpu` package: any GPU with Vulkan, Metal or Direct3D 12,
// no CUDA needed. Node has no `navigator.gpu`; we create a Dawn instance, ask it for an
// adapter, and only then install the WebGPU globals and import tfjs's webgpu backend (it looks
// for `navigator.gpu` once, when its module is first evaluated).
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';

export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn's own flag: a CPU/fallback implementation rather than a GPU. */
  isFallbackAdapter: boolean;
  /** Fallback flag or a known software rasteriser name (SwiftShader, llvmpipe, lavapipe, WARP). */
  software: boolean;
}

export interface WebGpuProbe {
  ok: boolean;
  /** One line for humans: "google swiftshader SwiftShader driver 5.0.0 (software)". */
  description: string;
  software: boolean;
  adapter?: WebGpuAdapterInfo;
  /** True when this process pointed the Vulkan loader at SwiftShader itself. */
  usedBundledSwiftShader?: boolean;
  reason?: string;
}

/** Debian's Chromium ships SwiftShader's Vulkan driver: a software adapter for tests and CI. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

type DawnModule = { create: (options: string[]) => GPU; globals: object };

interface Found {
  gpu: GPU;
  probe: WebGpuProbe;
}

let dawn: Promise<DawnModule | Error> | undefined;
let systemProbe: Promise<Found | WebGpuProbe> | undefined;
let softwareProbe: Promise<Found | WebGpuProbe> | undefined;
let installed: GPU | undefined;

function loadDawn(): Promise<DawnModule | Error> {
  dawn ??= import('webgpu').then(
    (m) => m as unknown as DawnModule,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  return dawn;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/;

export function describeAdapter(adapter: GPUAdapter): WebGpuAdapterInfo {
  // Dawn reports fallback-ness on GPUAdapterInfo (current spec); older builds had it on the adapter.
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const a = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean(info?.isFallbackAdapter ?? legacyFallback),
  };
  const names = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  return { ...a, software: a.isFallbackAdapter || SOFTWARE_NAMES.test(names) };
}

async function probeInstance(mod: DawnModule): Promise<Found | WebGpuProbe> {
  let gpu: GPU;
  let adapter: GPUAdapter | null;
  try {
    gpu = mod.create([]);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, software: false, description: '', reason: `Dawn could not enumerate adapters: ${(err as Error).message}` };
  }
  if (!adapter) return { ok: false, software: false, description: '', reason: 'no WebGPU adapter (no usable Vulkan/Metal/D3D12 driver)' };
  const info = describeAdapter(adapter);
  const words = [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ') || 'WebGPU adapter';
  return { gpu, probe: { ok: true, software: info.software, adapter: info, description: info.software ? `${words} (software)` : words } };
}

function isFound(r: Found | WebGpuProbe): r is Found {
  return 'gpu' in r;
}

/** Whether the user (or CI) chose Vulkan drivers explicitly; then we never override them. */
function icdConfigured(): boolean {
  return Boolean(process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || process.env.VK_ADD_DRIVER_FILES);
}

async function find(allowSoftware: boolean): Promise<Found | WebGpuProbe> {
  const mod = await loadDawn();
  if (mod instanceof Error) return { ok: false, software: false, description: '', reason: `the webgpu (Dawn) package failed to load: ${mod.message}` };
  systemProbe ??= probeInstance(mod);
  const sys = await systemProbe;
  if (!allowSoftware) {
    if (isFound(sys) && sys.probe.software) return { ...sys.probe, ok: false, reason: `only a software adapter: ${sys.probe.description}` };
    return sys;
  }
  if (isFound(sys)) return sys;
  // (Once we set VK_ICD_FILENAMES ourselves, softwareProbe exists and answers.)
  if (!softwareProbe && (icdConfigured() || !existsSync(SWIFTSHADER_ICD))) return sys;
  // Explicit `webgpu` with no driver found: point the Vulkan loader at Chromium's SwiftShader.
  // The loader reads this variable when an instance is created, so a fresh Dawn instance sees it.
  softwareProbe ??= (async () => {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const r = await probeInstance(mod);
    if (isFound(r)) r.probe.usedBundledSwiftShader = true;
    else delete process.env.VK_ICD_FILENAMES;
    return r;
  })();
  const sw = await softwareProbe;
  return isFound(sw) ? sw : { ...sys, reason: `${sys.reason}; SwiftShader at ${SWIFTSHADER_ICD} failed too: ${sw.reason}` } as WebGpuProbe;
}

/**
 * Asks Dawn for an adapter. With allowSoftware=false (what `auto` uses) a software adapter
 * counts as unavailable, and SwiftShader is never switched on by us.
 */
export async function probeWebGpu(opts: { allowSoftware: boolean }): Promise<WebGpuProbe> {
  const r = await find(opts.allowSoftware);
  return isFound(r) ? r.probe : r;
}

/** Installs the chosen Dawn instance as navigator.gpu and makes tfjs's webgpu backend current. */
export async function useWebGpuBackend(opts: { allowSoftware: boolean }): Promise<WebGpuProbe> {
  const r = await find(opts.allowSoftware);
  if (!isFound(r)) throw new Error(`backend "webgpu" is not available: ${r.reason}`);
  if (!installed) {
    const mod = (await loadDawn()) as DawnModule;
    Object.assign(globalThis, mod.globals);
    // Node 21+ has a read-only-ish navigator object; define rather than assign.
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu: r.gpu }, configurable: true, writable: true });
    else Object.defineProperty(g.navigator, 'gpu', { value: r.gpu, configurable: true, writable: true });
    installed = r.gpu;
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) {
    throw new Error(`backend "webgpu" failed to initialise on ${r.probe.description}`);
  }
  await tf.ready();
  return r.probe;
}
