// Explicit `--backend webgpu` on a machine whose Vulkan loader finds no driver by itself: the
// studio points it at Chromium's SwiftShader in-process, while `auto` keeps refusing it. Runs in
// its own process (vitest forks per file), starting with no Vulkan driver configured.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { listBackends, selectBackend } from '../src/engine/backend/select-backend';
import { SWIFTSHADER_ICD, probeWebGpu } from '../src/engine/backend/webgpu-node';

delete process.env.VK_ICD_FILENAMES;
delete process.env.VK_DRIVER_FILES;

const skip = process.env.SEG_STUDIO_SKIP_WEBGPU === '1';

describe.skipIf(skip)('webgpu selection without a configured Vulkan driver', () => {
  it('explicit webgpu falls back to SwiftShader; auto never does', async () => {
    const system = await probeWebGpu({ allowSoftware: false });
    if (system.ok) return; // a hardware GPU: nothing to fall back from (selection is tested elsewhere)
    expect(existsSync(SWIFTSHADER_ICD), `${SWIFTSHADER_ICD} (Debian chromium package) is needed for this test`).toBe(true);

    const listed = (await listBackends()).find((b) => b.name === 'webgpu')!;
    expect(listed.available).toBe(true);
    expect(listed.device).toMatch(/swiftshader.*software/i);

    // Listing switched SwiftShader on for explicit use; auto must still not take it.
    const auto = await selectBackend('auto');
    expect(auto.backend).not.toBe('webgpu');

    const sel = await selectBackend('webgpu');
    expect(sel.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(process.env.VK_ICD_FILENAMES).toBe(SWIFTSHADER_ICD);
    const y = tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30]));
    expect(Array.from(await y.data())).toEqual([11, 22, 33]);
    expect((await probeWebGpu({ allowSoftware: false })).ok).toBe(false);
  });
});
