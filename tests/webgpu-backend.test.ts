// WebGPU under Node (Dawn) against the reference `cpu` backend, on Chromium's SwiftShader
// Vulkan driver so that it runs on machines and CI runners without a GPU. The adapter must
// come up: a missing one fails the file with the reason, unless SEG_STUDIO_SKIP_WEBGPU=1.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { SWIFTSHADER_ICD, probeWebGpu, type WebGpuProbe } from '../src/engine/backend/webgpu-node';
import { selectBackend } from '../src/engine/backend/select-backend';
import { buildModel } from '../src/engine/models/build-model';
import { bceDiceLoss } from '../src/engine/train/losses';
import { createAdam } from '../src/engine/train/optimizer';
import { maxRelErr, seededUniform } from './helpers/array-diff';

const skip = process.env.SEG_STUDIO_SKIP_WEBGPU === '1';
// The caller's Vulkan driver choice wins; otherwise use SwiftShader (CI installs chromium).
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const TOL = 1e-3; // fp32 on a GPU: different summation order and fused multiply-adds.

type Arrays = Float32Array[];

/** Runs f on one backend with fresh inputs, returns [output, ...gradients wrt every input] as arrays. */
async function gradsOn(backend: string, shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor): Promise<Arrays> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const xs = shapes.map((s, i) => tf.tensor(seededUniform(s, 11 + i), s));
    const y = f(...xs);
    // A random cotangent so that every output element's gradient path is exercised.
    const r = tf.tensor(seededUniform(y.shape, 99), y.shape);
    return [y, ...tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs)];
  });
  // Async reads: webgpu's dataSync needs OffscreenCanvas, which Node lacks.
  const arrays = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(outs);
  return arrays;
}

async function expectMatchesCpu(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor) {
  const ref = await gradsOn('cpu', shapes, f);
  const got = await gradsOn('webgpu', shapes, f);
  expect(tf.getBackend()).toBe('webgpu');
  for (let i = 0; i < ref.length; i++) expect(maxRelErr(got[i]!, ref[i]!), i === 0 ? 'output' : `gradient ${i}`).toBeLessThan(TOL);
}

describe.skipIf(skip)('WebGPU backend (Dawn, SwiftShader) vs cpu', () => {
  let probe: WebGpuProbe;

  beforeAll(async () => {
    probe = await probeWebGpu({ allowSoftware: true });
    if (!probe.ok) {
      throw new Error(
        `no WebGPU adapter: ${probe.reason}. Install chromium (SwiftShader: ${SWIFTSHADER_ICD}) and libvulkan1, ` +
          'or set SEG_STUDIO_SKIP_WEBGPU=1 to skip these tests.',
      );
    }
    // Through the public entry point the CLI uses.
    const sel = await selectBackend('webgpu');
    expect(sel.backend).toBe('webgpu');
    expect(sel.device).toBe(probe.description);
    console.log(`WebGPU adapter: ${probe.description}`, probe.adapter);
  });

  it('reports the adapter and marks SwiftShader as software, which auto must refuse', async () => {
    expect(probe.adapter).toBeDefined();
    if (process.env.VK_ICD_FILENAMES === SWIFTSHADER_ICD) {
      expect(probe.adapter!.architecture.toLowerCase()).toContain('swiftshader');
      expect(probe.software).toBe(true);
      const auto = await probeWebGpu({ allowSoftware: false });
      expect(auto.ok).toBe(false);
      expect(auto.reason).toMatch(/software/);
    }
  });

  for (const [stride, pad] of [[1, 'same'], [2, 'same'], [1, 'valid'], [2, 'valid']] as const) {
    it(`conv2d gradients (stride ${stride}, ${pad})`, async () => {
      await expectMatchesCpu([[2, 9, 10, 3], [3, 3, 3, 8]], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad));
    });
  }

  it('conv2dTranspose 2×2 stride 2 gradients', async () => {
    await expectMatchesCpu([[2, 5, 6, 8], [2, 2, 4, 8]], (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 12, 4], 2, 'valid'));
  });

  it('batchNorm (training mode: batch statistics) gradients', async () => {
    await expectMatchesCpu([[2, 6, 6, 5], [5], [5]], (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x!, [0, 1, 2]);
      return tf.batchNorm(x as tf.Tensor4D, mean, variance, beta as tf.Tensor1D, tf.add(gamma!, 1) as tf.Tensor1D, 1e-5);
    });
  });

  it('maxPool 2×2 stride 2 gradients', async () => {
    await expectMatchesCpu([[2, 8, 10, 3]], (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'));
  });

  it('one Adam step of a tiny UNet matches cpu (loss, every gradient, every updated weight)', async () => {
    const step = async (backend: string) => {
      await tf.setBackend(backend);
      const model = buildModel({ model: 'unet', base: 4, size: 32, seed: 3 });
      const x = tf.tensor4d(seededUniform([2, 32, 32, 3], 5), [2, 32, 32, 3]);
      const y = tf.tensor4d(Array.from(seededUniform([2, 32, 32, 1], 6), (v) => (v > 0 ? 1 : 0)), [2, 32, 32, 1]);
      const read = (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
      const opt = createAdam(1e-3);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => bceDiceLoss(y, model.apply(x, { training: true }) as tf.Scalar) as tf.Scalar, vars);
      opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      const result = { loss: (await value.data())[0]!, grads: await read(vars.map((v) => grads[v.name]!)), weights: await read(model.getWeights()) };
      model.dispose();
      opt.dispose();
      tf.dispose([x, y, value, ...Object.values(grads)]);
      return result;
    };
    const ref = await step('cpu');
    const got = await step('webgpu');
    expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(TOL);
    // Gradients are what the backend computes; compare them directly. (Adam's first update is
    // ≈ lr·sign(g), so updates of near-zero gradients flip with rounding and say little.)
    expect(got.grads.length).toBe(ref.grads.length);
    for (let i = 0; i < ref.grads.length; i++) expect(maxRelErr(got.grads[i]!, ref.grads[i]!), `gradient of weight ${i}`).toBeLessThan(5 * TOL);
    expect(got.weights.length).toBe(ref.weights.length);
    for (let i = 0; i < ref.weights.length; i++) expect(maxRelErr(got.weights[i]!, ref.weights[i]!), `weight ${i}`).toBeLessThan(TOL);
  });
});
