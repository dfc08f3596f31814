// Backend selection: explicit choices work or fail with the reason, and `auto` never settles on
// a software GPU adapter (SwiftShader is far slower than the CPU paths).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { listBackends, selectBackend } from '../src/engine/backend/select-backend';

describe('backend selection', () => {
  it('lists every backend with availability and a device or a reason', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name).sort()).toEqual(['cpu', 'native', 'tensorflow', 'wasm', 'webgpu']);
    for (const b of list) {
      if (b.available) expect(b.device).toBeTruthy();
      else expect(b.reason).toBeTruthy();
    }
  });

  it('auto never picks a software WebGPU adapter', async () => {
    const list = await listBackends();
    const webgpu = list.find((b) => b.name === 'webgpu')!;
    const sel = await selectBackend('auto');
    if (webgpu.available && /software/.test(webgpu.device ?? '')) expect(sel.backend).not.toBe('webgpu');
    expect(tf.getBackend()).toBe(sel.backend);
    // With the native addon built (CI installs libdnnl-dev), auto prefers it over wasm.
    if (list.find((b) => b.name === 'native')!.available) expect(sel.backend).toBe('native');
  });

  it('an explicit choice of a backend that cannot load fails with its name and why', async () => {
    const list = await listBackends();
    const tfNode = list.find((b) => b.name === 'tensorflow')!;
    if (!tfNode.available) await expect(selectBackend('tensorflow')).rejects.toThrow(/backend "tensorflow" is not available: .+/);
    else expect((await selectBackend('tensorflow')).backend).toBe('tensorflow');
  });

  it('explicit cpu and wasm choices activate those backends', async () => {
    expect((await selectBackend('cpu')).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
