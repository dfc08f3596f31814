// Parity with PyTorch: the studio's UNet and ResNet34-UNet, with their weights copied into the
// reference PyTorch models (scripts/torch_reference_models.py) through the state_dict mapping of
// src/engine/models/torch-names.ts, must give
// - the same sigmoid outputs in eval mode (max |Δ| ≤ 1e-4),
// - the same BCE + Dice loss and the same gradient of every weight for one training step with
//   batch statistics (per weight: max |Δ| ≤ 1e-3 · max |PyTorch's gradient|), also with loss
//   weights other than 1 and 1 (bceWeight·BCE + diceWeight·DiceLoss),
// - the same batch-norm running statistics after that step (PyTorch's unbiased variance update),
// and the ResNet34-UNet's encoder stages (base 64) the same feature maps as
// torchvision.models.resnet34 carrying the same weights. Batch norms are randomised so that a
// swapped or ignored statistic shows.
//
// Studio side: the paths training and prediction take — the native backend's compiled plans
// (trainStep, predictFast), the same backend through tfjs' layer graph (plans off), and for the
// eval outputs the pure-JS cpu backend (its training step takes minutes, so not here).
// PyTorch side: tests/helpers/torch_parity.py, run once for all cases with Debian's python3-torch
// (/usr/bin/python3, or SEG_STUDIO_PYTHON); without torch this file FAILS, it does not skip.
//
// Sizes: gradients are compared where float32 itself is well conditioned, measured against
// PyTorch in float64. For the base-64 ResNet34-UNet PyTorch's own float32 gradients are 0.6-0.75 %
// (of a weight's largest gradient) away from float64 on some weights, at 64² (its bottleneck batch
// norm sees 1×1 maps, 2 or 4 values per channel, whose backward pass is rounding noise) and at
// 128²; the studio's were 0.15-0.26 % and 2e-5 there. At 128², bases 8 and 16, both sides are
// within 1e-5 of float64. So the gradients use base 8 at 128², and the base-64 model
// (torchvision's widths) is checked in eval mode at 64².
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { BlobWriter, readF32File } from './helpers/f32-blob';
import { endianness, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { predictFast } from '../src/engine/backend/native';
import { torchPython } from '../src/engine/bench/torch';
import { buildModel } from '../src/engine/models/build-model';
import { fromTorchLayout, torchMapping, toTorchLayout, torchShape, type TorchMapping } from '../src/engine/models/torch-names';
import type { ModelName } from '../src/engine/types';
import { readLayersModel, writeLayersModel } from '../src/engine/train/checkpoint';
import type { LossWeights } from '../src/engine/train/losses';
import { trainStep } from '../src/engine/train/train-step';
import { Rng } from '../src/engine/util/rng';
import { randomizeBatchNorms } from './helpers/batch-norms';
import { maxAbs, maxAbsDiff } from './helpers/array-diff';
import { GradientRecorder } from './helpers/gradient-recorder';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'torch_parity.py');
const OUTPUT_TOL = 1e-4;
const GRAD_TOL = 1e-3;
const skipNative = process.env.SEG_STUDIO_SKIP_NATIVE === '1';
const reg = skipNative ? { ok: false, reason: 'SEG_STUDIO_SKIP_NATIVE=1' } : await registerNativeBackend();

/** A studio path: backend, and whether the native compiled plans are on. */
type Variant = 'native plan' | 'native graph' | 'cpu';
const NATIVE: Variant[] = skipNative ? [] : ['native plan', 'native graph'];

interface Case {
  name: string;
  model: ModelName;
  base: number;
  size: number;
  batch: number;
  evalOn: Variant[];
  trainOn: Variant[];
  /** Compare the encoder stages with torchvision's resnet34 (base 64 only). */
  encoder?: boolean;
  /** Loss weights of the training step (default: the reference 1 and 1). */
  lossWeights?: LossWeights;
}

// The UNet also through tfjs' layer graph on the native backend and, for the outputs, on the cpu
// backend; the plans' agreement with that graph on the ResNet34-UNet is native-training-plan.test.ts'.
const CASES: Case[] = [
  { name: 'unet-b8', model: 'unet', base: 8, size: 64, batch: 2, evalOn: [...NATIVE, 'cpu'], trainOn: NATIVE },
  { name: 'unet-b8-loss-weights', model: 'unet', base: 8, size: 128, batch: 2, evalOn: [], trainOn: NATIVE, lossWeights: { bce: 0.4, dice: 2.5 } },
  { name: 'resnet34_unet-b8', model: 'resnet34_unet', base: 8, size: 128, batch: 2, evalOn: NATIVE.length ? ['native plan'] : ['cpu'], trainOn: NATIVE.slice(0, 1) },
  { name: 'resnet34_unet-b64', model: 'resnet34_unet', base: 64, size: 64, batch: 1, evalOn: NATIVE.length ? ['native plan'] : ['cpu'], trainOn: [], encoder: true },
];

interface Prepared {
  c: Case;
  model: tf.LayersModel;
  mapping: TorchMapping;
  /** Every weight as sent to PyTorch (tfjs layout), restored before each check. */
  initial: Float32Array[];
  x: tf.Tensor4D;
  y: tf.Tensor4D;
}

interface TorchCase {
  loss: number;
  bce: number;
  dice_loss: number;
  tensors: Record<string, { shape: number[]; offset: number }>;
}

interface TorchResults {
  cases: Record<string, TorchCase>;
  blob: Float32Array;
}

/**
 * He-uniform kernels and small uniform biases from a fast generator. Building the base-64
 * ResNet34-UNet with the studio's own initialiser (tfjs' truncated normal, ~0.2 µs a draw) costs
 * ~9 s for its 48 M weights; the weights' origin does not matter here, their scale does.
 */
function fillWeights(mapping: TorchMapping, seed: number): void {
  const rng = new Rng(seed);
  for (const w of mapping.weights.filter((q) => q.trainable)) {
    const shape = w.variable.shape as number[];
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    // Conv2D [h, w, in, out], Conv2DTranspose [h, w, out, in]: the input side of each kernel.
    const fanIn = w.layout === 'vector' ? 0 : shape[0]! * shape[1]! * (w.layout === 'convTranspose2d' ? shape[3]! : shape[2]!);
    const limit = fanIn ? Math.sqrt(6 / fanIn) : 0.1;
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-limit, limit);
    w.variable.write(tf.tensor(values, shape));
  }
}

function prepare(c: Case, index: number): Prepared {
  const big = c.base === 64 && c.model === 'resnet34_unet';
  const model = buildModel({ model: c.model, base: c.base, size: c.size, seed: 3 + index, randomWeights: !big });
  const mapping = torchMapping(model, c.model);
  if (big) fillWeights(mapping, 11);
  randomizeBatchNorms(model, 17 + index);
  // Inputs in the range of ImageNet-normalised photos; a mask with about 40 % foreground.
  const x = tf.randomUniform([c.batch, c.size, c.size, 3], -2, 2.5, 'float32', 5 + index) as tf.Tensor4D;
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([c.batch, c.size, c.size, 1], 0, 1, 'float32', 9 + index), 0.6), 'float32')) as tf.Tensor4D;
  const initial = mapping.weights.map((w) => (w.variable.read().dataSync() as Float32Array).slice());
  return { c, model, mapping, initial, x, y };
}

/** Starts the PyTorch side for every case at once (one interpreter start). */
function runTorch(dir: string, prepared: Prepared[]): Promise<TorchResults> {
  const writer = new BlobWriter(join(dir, 'in.bin'));
  const cases = prepared.map(({ c, mapping, initial, x, y }) => ({
    name: c.name,
    model: c.model,
    base: c.base,
    size: c.size,
    train: c.trainOn.length > 0,
    encoder: c.encoder === true,
    ...(c.lossWeights ? { bce_weight: c.lossWeights.bce, dice_weight: c.lossWeights.dice } : {}),
    state: mapping.weights.map((w, i) => {
      const shape = w.variable.shape as number[];
      return { key: w.key, ...writer.put(toTorchLayout(initial[i]!, shape, w.layout), torchShape(shape, w.layout)) };
    }),
    x: writer.put(x.dataSync(), x.shape),
    y: writer.put(y.dataSync(), y.shape),
  }));
  writer.close();
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ blob: 'in.bin', cases }));
  return new Promise((resolve, reject) => {
    const child = spawn(torchPython(), [SCRIPT, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${SCRIPT} exited with ${code}: ${err.trim().slice(-2000)}`));
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { cases: Record<string, TorchCase> };
      resolve({ cases: result.cases, blob: readF32File(join(dir, 'out.bin')) });
    });
  });
}

async function useVariant(v: Variant): Promise<void> {
  if (v === 'native graph') process.env.SEG_STUDIO_NATIVE_PLAN = '0';
  else delete process.env.SEG_STUDIO_NATIVE_PLAN;
  const backend = v === 'cpu' ? 'cpu' : 'native';
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
}

function restore(p: Prepared): void {
  p.mapping.weights.forEach((w, i) => w.variable.write(tf.tensor(p.initial[i]!, w.variable.shape as number[])));
}

let dir = '';
let prepared: Prepared[] = [];
let torch: Promise<TorchResults>;
/** Worst measured values, printed at the end for the record. */
const measured: string[] = [];

async function reference(c: Case): Promise<{ ref: TorchCase; get: (name: string) => Float32Array }> {
  const t = await torch;
  const ref = t.cases[c.name]!;
  const get = (name: string) => {
    const spec = ref.tensors[name];
    if (!spec) throw new Error(`the PyTorch result of ${c.name} has no tensor ${name}`);
    return t.blob.subarray(spec.offset, spec.offset + spec.shape.reduce((a, b) => a * b, 1));
  };
  return { ref, get };
}

describe('parity with PyTorch', () => {
  // Without PyTorch the helper exits naming the packages to install, and every check fails
  // with that message (CI installs them; nothing is skipped).
  it('runs the PyTorch side (torch, torchvision, numpy)', async () => {
    const t = await torch;
    expect(Object.keys(t.cases).sort()).toEqual(CASES.map((c) => c.name).sort());
  });

  beforeAll(async () => {
    if (!skipNative) expect(reg.reason ?? 'ok', 'native backend unavailable (SEG_STUDIO_SKIP_NATIVE=1 runs only the cpu checks)').toBe('ok');
    expect(endianness()).toBe('LE');
    await useVariant(skipNative ? 'cpu' : 'native plan');
    dir = mkdtempSync(join(tmpdir(), 'torch-parity-'));
    prepared = CASES.map(prepare);
    torch = runTorch(dir, prepared);
    torch.catch(() => undefined); // awaited by every test; keeps an early failure from going unhandled
  });

  afterAll(() => {
    delete process.env.SEG_STUDIO_NATIVE_PLAN;
    for (const p of prepared) {
      tf.dispose([p.x, p.y]);
      p.model.dispose();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (measured.length) console.log(`torch parity maxima:\n  ${measured.join('\n  ')}`);
  });

  CASES.forEach((c, index) => {
    const title = `${c.name} (${c.size}², batch ${c.batch})`;
    for (const variant of c.evalOn) {
      it(`${title} on ${variant}: eval-mode outputs`, async () => {
        const p = prepared[index]!;
        await useVariant(variant);
        restore(p);
        const out = predictFast(p.model, p.x); // the path evaluation and prediction take
        const studio = out.dataSync();
        out.dispose();
        const { get } = await reference(c);
        const d = maxAbsDiff(studio, get('eval/out'));
        measured.push(`${title} ${variant}: eval outputs max |Δ| ${d.toExponential(2)}`);
        expect(d, 'eval-mode sigmoid outputs').toBeLessThanOrEqual(OUTPUT_TOL);
      });
    }

    for (const variant of c.trainOn) {
      it(`${title} on ${variant}: one training step — loss, every weight gradient, running statistics`, async () => {
        const p = prepared[index]!;
        await useVariant(variant);
        restore(p);
        const recorder = new GradientRecorder();
        const step = trainStep(p.model, recorder, p.x, p.y, c.lossWeights); // the path training takes
        const [bce, diceLoss] = Array.from(step.parts.dataSync());
        const loss = step.loss.dataSync()[0]!;
        tf.dispose([step.loss, step.parts]);
        recorder.dispose();
        const { ref, get } = await reference(c);
        expect(Math.abs(loss - ref.loss), `loss ${loss} vs ${ref.loss}`).toBeLessThanOrEqual(1e-5 * Math.max(1, ref.loss));
        expect(Math.abs(bce! - ref.bce), 'bce').toBeLessThanOrEqual(1e-5);
        expect(Math.abs(diceLoss! - ref.dice_loss), 'dice loss').toBeLessThanOrEqual(1e-5);

        const trainable = p.mapping.weights.filter((w) => w.trainable);
        expect(recorder.grads.size).toBe(trainable.length);
        const refGrads = trainable.map((w) => get(`grad/${w.key}`));
        // A transposed convolution's bias feeding a training-mode batch norm (head.0, head.3)
        // has a zero gradient in exact arithmetic (the norm removes per-channel constants); both
        // sides hold float32 noise there, so a floor of 1e-6 of the model's largest gradient applies.
        const floor = 1e-6 * Math.max(...refGrads.map(maxAbs));
        let worst = 0, worstKey = '';
        trainable.forEach((w, i) => {
          const g = recorder.grads.get(w.variable.name);
          expect(g, `gradient of ${w.key} (${w.variable.name})`).toBeDefined();
          const shape = w.variable.shape as number[];
          const d = maxAbsDiff(toTorchLayout(g!, shape, w.layout), refGrads[i]!);
          const scale = maxAbs(refGrads[i]!);
          expect(d, `gradient of ${w.key}: max |Δ| vs max |PyTorch| ${scale}`).toBeLessThanOrEqual(GRAD_TOL * scale + floor);
          // And the other way, as an importer of PyTorch weights reads them.
          expect(maxAbsDiff(g!, fromTorchLayout(refGrads[i]!, shape, w.layout))).toBe(d);
          if (scale > 1e3 * floor && d / scale > worst) [worst, worstKey] = [d / scale, w.key];
        });

        // Running statistics after the step, momentum 0.1 on both sides: PyTorch's, the variance
        // included (both move it toward the unbiased batch variance, × n/(n−1)).
        let worstStat = 0;
        for (const w of p.mapping.weights.filter((q) => !q.trainable)) {
          const expected = get(`stat/${w.key}`);
          const studio = w.variable.read().dataSync();
          const d = maxAbsDiff(studio, expected) / Math.max(maxAbs(expected), 1e-12);
          worstStat = Math.max(worstStat, d);
          expect(d, `${w.key} after one step`).toBeLessThanOrEqual(1e-5);
        }
        measured.push(`${title} ${variant}: loss |Δ| ${Math.abs(loss - ref.loss).toExponential(2)}, gradients ≤ ${worst.toExponential(2)} of their max ` +
          `(${worstKey}), running stats ${worstStat.toExponential(2)}`);
      });
    }
  });

  it('torch names: a model read back from a checkpoint maps the same; other graphs are refused by name', async () => {
    const p = prepared[0]!;
    const ckpt = join(dir, 'checkpoint');
    await writeLayersModel(ckpt, p.model);
    const loaded = await readLayersModel(ckpt);
    const again = torchMapping(loaded);
    expect(again.model).toBe('unet');
    expect(again.weights.map((w) => w.key)).toEqual(p.mapping.weights.map((w) => w.key));
    again.weights.forEach((w, i) => expect(maxAbsDiff(w.variable.read().dataSync(), p.mapping.weights[i]!.variable.read().dataSync()), w.key).toBe(0));
    loaded.dispose();

    const input = tf.input({ shape: [16, 16, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
    const other = tf.model({ inputs: input, outputs: tf.layers.activation({ activation: 'sigmoid' }).apply(conv) as tf.SymbolicTensor });
    expect(() => torchMapping(other)).toThrow(/not a studio UNet: expected a 1×1 stride-1 convolution with bias.*at layer "conv2d_/);
    other.dispose();
  });

  it('resnet34_unet-b64 encoder: layer1-4 feature maps equal torchvision.models.resnet34 with the same weights', async () => {
    const index = CASES.findIndex((c) => c.encoder);
    const p = prepared[index]!;
    await useVariant(p.c.evalOn[0]!);
    restore(p);
    const encoder = tf.model({ inputs: p.model.inputs, outputs: p.mapping.skips });
    const feats = encoder.predict(p.x) as tf.Tensor[];
    const { get } = await reference(p.c);
    const worst: string[] = [];
    feats.forEach((f, i) => {
      const tv = get(`torchvision/layer${i + 1}`);
      const scale = maxAbs(tv);
      const d = maxAbsDiff(f.dataSync(), tv);
      worst.push(`layer${i + 1} ${f.shape.slice(1).join('×')} max |Δ| ${d.toExponential(2)} (max ${scale.toFixed(1)})`);
      expect(d, `layer${i + 1}: max |Δ| vs max |torchvision| ${scale}`).toBeLessThanOrEqual(OUTPUT_TOL * Math.max(1, scale));
      // The reference model's encoder (the one the output check used) is torchvision's.
      expect(maxAbsDiff(get(`reference/layer${i + 1}`), tv)).toBeLessThanOrEqual(1e-6 * Math.max(1, scale));
    });
    tf.dispose(feats);
    measured.push(`resnet34 encoder vs torchvision: ${worst.join(', ')}`);
  });
});
