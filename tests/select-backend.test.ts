// Backend selection: explicit choices work or fail with the reason, and `auto` never settles on
// a software GPU adapter (SwiftShader is far slower than the CPU paths), even when the caller
// points Vulkan at SwiftShader.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { listBackends, selectBackend, type BackendChoice } from '../src/engine/backend/select-backend';
import { SWIFTSHADER_ICD, probeWebGpu } from '../src/engine/backend/webgpu-node';

// As CI does for the WebGPU tests: a software adapter is present and must still not win `auto`.
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

describe('backend selection', () => {
  it('lists every backend with availability and a device or a reason', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name).sort()).toEqual(['cpu', 'native', 'tensorflow', 'wasm', 'webgpu']);
    for (const b of list) {
      if (b.available) expect(b.device).toBeTruthy();
      else expect(b.reason).toBeTruthy();
    }
    expect(list.find((b) => b.name === 'wasm')!.available).toBe(true);
  });

  it('auto never picks a software WebGPU adapter, and follows the documented order', async () => {
    const list = await listBackends();
    const has = (n: string) => list.find((b) => b.name === n)!.available;
    const hardwareGpu = (await probeWebGpu({ allowSoftware: false })).ok;
    const sel = await selectBackend('auto');
    expect(tf.getBackend()).toBe(sel.backend);
    expect(sel.device).toBeTruthy();
    if (!hardwareGpu) expect(sel.backend).not.toBe('webgpu');
    // On a machine without tfjs-node-gpu or a hardware GPU: native, else tfjs-node, else wasm.
    if (!hardwareGpu && !has('tensorflow')) expect(sel.backend).toBe(has('native') ? 'native' : 'wasm');
  });

  it('the software adapter is reported as such, and only explicit webgpu uses it', async () => {
    const sw = await probeWebGpu({ allowSoftware: true });
    if (!sw.ok || !sw.software) return; // a machine with a real GPU or none: covered by the test above
    expect(sw.description).toMatch(/software/);
    const auto = await probeWebGpu({ allowSoftware: false });
    expect(auto.ok).toBe(false);
    expect(auto.reason).toMatch(/only a software adapter/);
  });

  it('an explicit choice of a backend that cannot load fails with its name and why', async () => {
    const list = await listBackends();
    for (const b of list.filter((x) => !x.available)) {
      await expect(selectBackend(b.name)).rejects.toThrow(new RegExp(`backend "${b.name}" is not available: .+`));
    }
    await expect(selectBackend('mxnet' as BackendChoice)).rejects.toThrow(/unknown backend "mxnet"/);
  });

  it('explicit cpu and wasm choices activate those backends and say what they run on', async () => {
    const cpu = await selectBackend('cpu');
    expect(cpu.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await selectBackend('wasm');
    expect(wasm).toMatchObject({ backend: 'wasm' });
    expect(wasm.device).toMatch(/cores/);
    expect(tf.getBackend()).toBe('wasm');
    // The project's filter-gradient kernel is what lets wasm train.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});
