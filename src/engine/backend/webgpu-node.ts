/// <reference types="@webgpu/types" />
// WebGPU in Node through Dawn's `webgpu` package: any GPU with Vulkan, Metal or Direct3D 12,
// no CUDA needed. Whether an adapter exists is asked in a child process (Dawn's loader warnings
// stay out of our output); only a run that uses WebGPU loads Dawn here. Node has no
// `navigator.gpu`: we create a Dawn instance, take its adapter, and only then install the WebGPU
// globals and import tfjs's webgpu backend (it looks for `navigator.gpu` once, when its module is
// first evaluated).
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

/** GPUAdapterInfo's fields as the probe process reports them. */
export interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

let dawn: Promise<DawnModule | Error> | undefined;
let systemProbe: Promise<WebGpuProbe> | undefined;
let softwareProbe: Promise<WebGpuProbe> | undefined;
let installed: GPU | undefined;

function loadDawn(): Promise<DawnModule | Error> {
  dawn ??= import('webgpu').then(
    (m) => m as unknown as DawnModule,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  return dawn;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/;

export function describeAdapterInfo(raw: RawAdapterInfo): WebGpuAdapterInfo {
  const a = {
    vendor: raw.vendor ?? '',
    architecture: raw.architecture ?? '',
    device: raw.device ?? '',
    description: raw.description ?? '',
    isFallbackAdapter: Boolean(raw.isFallbackAdapter),
  };
  const names = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  return { ...a, software: a.isFallbackAdapter || SOFTWARE_NAMES.test(names) };
}

function probeFromInfo(info: WebGpuAdapterInfo): WebGpuProbe {
  const words = [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ') || 'WebGPU adapter';
  return { ok: true, software: info.software, adapter: info, description: info.software ? `${words} (software)` : words };
}

// The probe runs in a child process. Dawn's Vulkan loader writes its warnings ("vkCreateInstance:
// Found no drivers!") straight to file descriptor 2 from native code, where no JavaScript can
// catch them; in a child they land in a pipe, and the first one becomes the reason we report.
// The child also keeps a failed Dawn instance out of this process. It costs ~0.25 s.
const PROBE_SCRIPT = `
const { create } = await import(process.argv[1]);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = adapter?.info;
process.stdout.write(JSON.stringify(adapter ? { found: true, info: { vendor: i?.vendor, architecture: i?.architecture, device: i?.device,
  description: i?.description, isFallbackAdapter: i?.isFallbackAdapter ?? adapter.isFallbackAdapter } } : { found: false }));
process.exit(0);
`;
const PROBE_TIMEOUT_MS = 20_000;

/** Dawn's first own line of complaint (loader warnings), without its source locations. */
function firstWarning(stderr: string): string | undefined {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('at '));
  return line?.replace(/^Warning:\s*/, '');
}

function probeInChild(env: NodeJS.ProcessEnv): Promise<WebGpuProbe> {
  let entry: string;
  try {
    entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (err) {
    return Promise.resolve({ ok: false, software: false, description: '', reason: `the webgpu (Dawn) package is not installed: ${(err as Error).message.split('\n')[0]}` });
  }
  return new Promise((done) => {
    // Inside Electron, process.execPath is Electron itself: ELECTRON_RUN_AS_NODE makes it a plain Node.
    execFile(
      process.execPath,
      ['--input-type=module', '-e', PROBE_SCRIPT, entry],
      { env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const fail = (reason: string) => done({ ok: false, software: false, description: '', reason });
        let answer: { found: boolean; info?: RawAdapterInfo } | undefined;
        try {
          answer = JSON.parse(stdout);
        } catch {
          const why = err?.killed ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : (firstWarning(stderr) ?? err?.message ?? 'no output');
          return fail(`the webgpu (Dawn) probe failed: ${why}`);
        }
        if (!answer?.found) {
          const warning = firstWarning(stderr);
          return fail(`no WebGPU adapter (no usable Vulkan/Metal/D3D12 driver${warning ? `: ${warning}` : ''})`);
        }
        done(probeFromInfo(describeAdapterInfo(answer.info ?? {})));
      },
    );
  });
}

/** Whether the user (or CI) chose Vulkan drivers explicitly; then we never override them. */
function icdConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES);
}

/**
 * The folders where the Vulkan loader looks for driver manifests on Linux (its documented search
 * order: XDG config dirs, /etc, XDG data dirs). Only used to skip a probe that cannot succeed.
 */
export function vulkanManifestDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? '';
  const configDirs = [env.XDG_CONFIG_HOME || join(home, '.config'), ...(env.XDG_CONFIG_DIRS || '/etc/xdg').split(':'), '/usr/local/etc', '/etc'];
  const dataDirs = [env.XDG_DATA_HOME || join(home, '.local/share'), ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')];
  return [...configDirs, ...dataDirs].filter(Boolean).map((d) => join(d, 'vulkan', 'icd.d'));
}

/**
 * False only where we know that no Vulkan driver can be found: Linux, no driver chosen through
 * the environment, and no manifest in any folder the loader searches. Elsewhere (Metal, D3D12)
 * only Dawn can tell.
 */
export function vulkanDriverMayExist(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux' || icdConfigured(env)) return true;
  return vulkanManifestDirs(env).some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

function systemAdapter(): Promise<WebGpuProbe> {
  systemProbe ??= vulkanDriverMayExist()
    ? probeInChild(process.env)
    : Promise.resolve({ ok: false, software: false, description: '', reason: 'no WebGPU adapter (no Vulkan driver installed: no manifest in the Vulkan loader\'s icd.d folders)' });
  return systemProbe;
}

async function find(allowSoftware: boolean): Promise<WebGpuProbe> {
  const sys = await systemAdapter();
  if (!allowSoftware) {
    if (sys.ok && sys.software) return { ...sys, ok: false, reason: `only a software adapter: ${sys.description}` };
    return sys;
  }
  if (sys.ok) return sys;
  // (Once we set VK_ICD_FILENAMES ourselves, softwareProbe exists and answers.)
  if (!softwareProbe && (icdConfigured() || !existsSync(SWIFTSHADER_ICD))) return sys;
  // Explicit `webgpu` with no driver found: point the Vulkan loader at Chromium's SwiftShader.
  // The loader reads this variable when an instance is created, so this process's Dawn instance
  // (created only once an adapter is known to exist) sees it too.
  softwareProbe ??= (async () => {
    const r = await probeInChild({ ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD });
    if (r.ok) {
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      r.usedBundledSwiftShader = true;
    }
    return r;
  })();
  const sw = await softwareProbe;
  return sw.ok ? sw : { ...sys, reason: `${sys.reason}; SwiftShader at ${SWIFTSHADER_ICD} failed too: ${sw.reason}` };
}

/**
 * Asks Dawn for an adapter. With allowSoftware=false (what `auto` uses) a software adapter
 * counts as unavailable, and SwiftShader is never switched on by us.
 */
export async function probeWebGpu(opts: { allowSoftware: boolean }): Promise<WebGpuProbe> {
  return find(opts.allowSoftware);
}

/** Installs the chosen Dawn instance as navigator.gpu and makes tfjs's webgpu backend current. */
export async function useWebGpuBackend(opts: { allowSoftware: boolean }): Promise<WebGpuProbe> {
  const probe = await find(opts.allowSoftware);
  if (!probe.ok) throw new Error(`backend "webgpu" is not available: ${probe.reason}`);
  if (!installed) {
    // Only now, with an adapter known to exist, does Dawn load in this process.
    const mod = await loadDawn();
    if (mod instanceof Error) throw new Error(`backend "webgpu" is not available: the webgpu (Dawn) package failed to load: ${mod.message}`);
    const gpu = mod.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error(`backend "webgpu" is not available: Dawn found no adapter in this process (the probe found ${probe.description})`);
    Object.assign(globalThis, mod.globals);
    // Node 21+ has a read-only-ish navigator object; define rather than assign.
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
    installed = gpu;
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) {
    throw new Error(`backend "webgpu" failed to initialise on ${probe.description}`);
  }
  await tf.ready();
  return probe;
}
