// The command line prints only the studio's own lines: no Dawn/Vulkan loader warnings (WebGPU is
// probed in a child process whose stderr is captured), no TensorFlow.js "Hi, looks like you are
// running TensorFlow.js in Node.js" banner, no Node warnings. Real commands, real processes.
// VK_ICD_FILENAMES points at a missing driver manifest so that the WebGPU probe really runs
// Dawn and Dawn really complains ("loader_get_json: Failed to open JSON file", "vkCreateInstance:
// Found no drivers!"), as it does in-process on any machine without a Vulkan driver.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'seg-studio.mjs');
const fixture = join(root, 'tests', 'fixtures', 'oxford-mini');
const work = mkdtempSync(join(tmpdir(), 'seg-clean-'));

/** Lines no studio code writes: third-party warnings and banners (the studio may quote Dawn inside its own lines). */
const NOISE = [
  /^\s*(Warning: )?(vkCreateInstance|loader_get_json)/m,
  /^\s*at CheckVkSuccessImpl/m,
  /looks like you are running TensorFlow\.js/,
  /tfjs-node for more details/,
  /^={5,}$/m,
  /^\(node:\d+\)/m,
  /^Warning: /m,
];

async function cli(args: string[]) {
  const res = await run(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, SEG_STUDIO_DB: join(work, 'studio.db'), VK_ICD_FILENAMES: join(work, 'no-such-driver.json'), SEG_STUDIO_DEBUG: '' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  const all = `${res.stdout}\n${res.stderr}`;
  for (const pattern of NOISE) expect(all, `third-party output (${pattern}) in:\n${all}`).not.toMatch(pattern);
  return { ...res, json: JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown> };
}

describe('seg-studio prints only its own lines', () => {
  it('model-summary', async () => {
    const r = await cli(['model-summary', '--model', 'unet', '--base', '8', '--size', '64', '--json']);
    expect(r.json.trainableParams).toBe(486_553);
  });

  it('train (backend auto: the WebGPU probe runs and finds no driver) for one epoch', async () => {
    const r = await cli(['train', '--preset', 'cpu-tiny', '--data', fixture, '--epochs', '1', '--out', join(work, 'run'), '--no-record', '--json']);
    expect(r.json.epochs).toBe(1);
    expect(r.stderr).toMatch(/^backend: \w+/m);
    expect(r.json.backend).not.toBe('webgpu');
  });

  it('backends: Dawn\'s complaint becomes the reason, not output', async () => {
    const r = await cli(['backends', '--json']);
    const webgpu = (r.json.backends as Array<{ name: string; available: boolean; reason?: string }>).find((b) => b.name === 'webgpu')!;
    // The caller chose a driver manifest that does not exist: no adapter, and we never override that choice.
    expect(webgpu.available).toBe(false);
    expect(webgpu.reason).toMatch(/no WebGPU adapter.*(Failed to open JSON file|Found no drivers)/);
  });
});
