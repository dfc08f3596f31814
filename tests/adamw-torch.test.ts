// Decoupled weight decay and loss weights against PyTorch (tests/helpers/torch_adamw.py, Debian's
// python3-torch; without it this file FAILS, it does not skip):
// - three AdamW steps (a learning-rate change between them) on the studio's UNet and
//   ResNet34-UNet (base 8) with the same weights and the same gradients end where
//   torch.optim.AdamW ends, within 1e-5 of each weight tensor's largest value, on both optimizer
//   paths: the fused native step and tfjs-core's update (on the native backend with the fused
//   step off, and on the pure-JS cpu backend). The PyTorch side decays the convolution kernels
//   and nothing else (two parameter groups, chosen by module type: the studio's policy in
//   src/engine/train/weight-decay.ts); its "decay everything" and "no decay" runs are the
//   controls that show the check can tell the policies apart;
// - bceWeight·BCE + diceWeight·DiceLoss and its gradient with respect to the probabilities, in
//   the native plan's array version and the tensor version, against scripts/torch_reference_models.py's
//   bce_dice with the same weights (one weight 0 included).
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { BlobWriter, readF32File } from './helpers/f32-blob';
import { endianness, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { torchPython } from '../src/engine/bench/torch';
import { buildModel } from '../src/engine/models/build-model';
import { toTorchLayout, torchMapping, torchShape, type TorchMapping } from '../src/engine/models/torch-names';
import type { ModelName } from '../src/engine/types';
import { bceDiceWithGradient } from '../src/engine/train/bce-dice-arrays';
import { bceDiceLoss, type LossWeights } from '../src/engine/train/losses';
import { createAdam, setLearningRate } from '../src/engine/train/optimizer';
import { Rng } from '../src/engine/util/rng';
import { maxAbs, maxAbsDiff } from './helpers/array-diff';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'torch_adamw.py');
const TOL = 1e-5;
const WEIGHT_DECAY = 0.05;
/** One learning rate per step; the change shows that the decay follows the step's rate. */
const LRS = [1e-2, 1e-2, 4e-3];
const skipNative = process.env.SEG_STUDIO_SKIP_NATIVE === '1';
const reg = skipNative ? { ok: false, reason: 'SEG_STUDIO_SKIP_NATIVE=1' } : await registerNativeBackend();

/** An optimizer path: backend, and whether the fused native step is on. */
type Path = 'native fused' | 'native tfjs-core' | 'cpu tfjs-core';
const PATHS: Path[] = skipNative ? ['cpu tfjs-core'] : ['native fused', 'native tfjs-core', 'cpu tfjs-core'];

const MODELS: Array<{ name: string; model: ModelName; base: number }> = [
  { name: 'unet-b8', model: 'unet', base: 8 },
  { name: 'resnet34_unet-b8', model: 'resnet34_unet', base: 8 },
];

const LOSSES: Array<{ name: string; weights: LossWeights }> = [
  { name: 'bce 0.3 dice 1.7', weights: { bce: 0.3, dice: 1.7 } },
  { name: 'bce 2 dice 0', weights: { bce: 2, dice: 0 } },
  { name: 'bce 0 dice 2.5', weights: { bce: 0, dice: 2.5 } },
];
// Three 16×16 probability maps: about 40 % foreground, a fully empty mask (its Dice term is the
// ε ratio) and a full one; probabilities inside the BCE clip (PyTorch clamps the log instead).
const LOSS_SHAPE = [3, 16, 16, 1];

interface Prepared {
  name: string;
  model: tf.LayersModel;
  mapping: TorchMapping;
  /** The trainable weights in model.trainableWeights order (what trainStep hands the optimizer). */
  trainable: TorchMapping['weights'];
  initial: Float32Array[];
  /** grads[step][k]: the gradient of trainable[k] at that step (tfjs layout). */
  grads: Float32Array[][];
}

interface TorchResults {
  optim: Record<string, Record<'grouped' | 'all' | 'none', Record<string, { shape: number[]; offset: number }>>>;
  losses: Record<string, { loss: number; grad: { shape: number[]; offset: number } }>;
  blob: Float32Array;
}

/** The engine name of a layer weight's variable (what the optimizer's gradients are keyed by). */
const varName = (w: tf.LayerVariable): string => (w.read() as tf.Variable).name;

function randArray(n: number, rng: Rng, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

function prepare(m: (typeof MODELS)[number], index: number): Prepared {
  const model = buildModel({ model: m.model, base: m.base, size: 64, seed: 7 + index });
  const mapping = torchMapping(model, m.model);
  const byVariable = new Map(mapping.weights.map((w) => [varName(w.variable), w]));
  const trainable = model.trainableWeights.map((w) => byVariable.get(varName(w))!);
  expect(trainable.every(Boolean)).toBe(true);
  // Batch-norm scales away from 1 and offsets away from 0, so decaying them would show.
  const rng = new Rng(31 + index);
  for (const w of trainable.filter((q) => q.layout === 'vector')) {
    w.variable.write(tf.tensor(randArray(tf.util.sizeFromShape(w.variable.shape as number[]), rng, 0.5, 1.5), w.variable.shape as number[]));
  }
  const initial = trainable.map((w) => (w.variable.read().dataSync() as Float32Array).slice());
  // Gradients of different sizes per tensor (Adam's ε matters for small ones), signs mixed.
  const grads = LRS.map(() =>
    trainable.map((_, k) => {
      const scale = 10 ** -((k * 7) % 5);
      return randArray(initial[k]!.length, rng, -scale, scale);
    }),
  );
  return { name: m.name, model, mapping, trainable, initial, grads };
}

function lossInputs(): { p: Float32Array; y: Float32Array } {
  const rng = new Rng(77);
  const [images, h, w] = LOSS_SHAPE as [number, number, number];
  const pixels = h * w;
  const p = randArray(images * pixels, rng, 0.02, 0.98);
  const y = new Float32Array(images * pixels);
  for (let i = 0; i < pixels; i++) {
    y[i] = rng.uniform(0, 1) < 0.4 ? 1 : 0; // image 0: mixed; image 1: empty
    y[2 * pixels + i] = 1; // image 2: full
  }
  return { p, y };
}

function runTorch(dir: string, prepared: Prepared[], loss: { p: Float32Array; y: Float32Array }): Promise<TorchResults> {
  const writer = new BlobWriter(join(dir, 'in.bin'));
  const optim = prepared.map((p) => {
    const torchShaped = (values: Float32Array, k: number) => {
      const w = p.trainable[k]!;
      const shape = w.variable.shape as number[];
      return writer.put(toTorchLayout(values, shape, w.layout), torchShape(shape, w.layout));
    };
    return {
      name: p.name,
      model: p.mapping.model,
      base: 8,
      weight_decay: WEIGHT_DECAY,
      state: p.trainable.map((w, k) => ({ key: w.key, ...torchShaped(p.initial[k]!, k) })),
      steps: LRS.map((lr, s) => ({ lr, grads: Object.fromEntries(p.trainable.map((w, k) => [w.key, torchShaped(p.grads[s]![k]!, k).offset])) })),
    };
  });
  const p = writer.put(loss.p, LOSS_SHAPE), y = writer.put(loss.y, LOSS_SHAPE);
  const losses = LOSSES.map((c) => ({ name: c.name, p, y, bce_weight: c.weights.bce, dice_weight: c.weights.dice }));
  writer.close();
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ blob: 'in.bin', optim, losses }));
  return new Promise((resolve, reject) => {
    const child = spawn(torchPython(), [SCRIPT, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${SCRIPT} exited with ${code}: ${err.trim().slice(-2000)}`));
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Omit<TorchResults, 'blob'>;
      resolve({ ...result, blob: readF32File(join(dir, 'out.bin')) });
    });
  });
}

async function usePath(path: Path): Promise<void> {
  if (path === 'native tfjs-core') process.env.SEG_STUDIO_NATIVE_ADAM = '0';
  else delete process.env.SEG_STUDIO_NATIVE_ADAM;
  const backend = path === 'cpu tfjs-core' ? 'cpu' : 'native';
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
}

let dir = '';
let prepared: Prepared[] = [];
let torch: Promise<TorchResults>;
let lossIn: { p: Float32Array; y: Float32Array };
const measured: string[] = [];

async function torchTensor(get: (t: TorchResults) => { shape: number[]; offset: number }): Promise<Float32Array> {
  const t = await torch;
  const spec = get(t);
  return t.blob.subarray(spec.offset, spec.offset + spec.shape.reduce((a, b) => a * b, 1));
}

describe('AdamW and loss weights against PyTorch', () => {
  beforeAll(async () => {
    if (!skipNative) expect(reg.reason ?? 'ok', 'native backend unavailable (SEG_STUDIO_SKIP_NATIVE=1 runs only the cpu path)').toBe('ok');
    expect(endianness()).toBe('LE');
    await usePath(PATHS[0]!);
    dir = mkdtempSync(join(tmpdir(), 'adamw-torch-'));
    prepared = MODELS.map(prepare);
    lossIn = lossInputs();
    torch = runTorch(dir, prepared, lossIn);
    torch.catch(() => undefined); // awaited by every test; keeps an early failure from going unhandled
  });

  afterAll(() => {
    delete process.env.SEG_STUDIO_NATIVE_ADAM;
    for (const p of prepared) p.model.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (measured.length) console.log(`AdamW/loss-weight parity maxima:\n  ${measured.join('\n  ')}`);
  });

  it('runs the PyTorch side (torch, numpy)', async () => {
    const t = await torch;
    expect(Object.keys(t.optim).sort()).toEqual(MODELS.map((m) => m.name).sort());
  });

  MODELS.forEach((m, index) => {
    it(`${m.name}: the controls differ — decaying every tensor, or none, is far from the grouped AdamW`, async () => {
      const p = prepared[index]!;
      let vectors = 0, kernels = 0;
      for (const w of p.trainable) {
        const grouped = await torchTensor((t) => t.optim[m.name]!.grouped[w.key]!);
        const scale = maxAbs(grouped);
        // Decaying a norm scale or bias: lr·wd·|w| per step ≈ 1e-3 of it over the three steps.
        if (w.layout === 'vector') vectors = Math.max(vectors, maxAbsDiff(grouped, await torchTensor((t) => t.optim[m.name]!.all[w.key]!)) / scale);
        else kernels = Math.max(kernels, maxAbsDiff(grouped, await torchTensor((t) => t.optim[m.name]!.none[w.key]!)) / scale);
      }
      expect(vectors, 'decay of 1-D tensors').toBeGreaterThan(50 * TOL);
      expect(kernels, 'decay of the kernels').toBeGreaterThan(50 * TOL);
    });

    for (const path of PATHS) {
      it(`${m.name} on ${path}: ${LRS.length} steps with weight decay ${WEIGHT_DECAY} end where torch.optim.AdamW ends (1e-5)`, async () => {
        const p = prepared[index]!;
        await usePath(path);
        p.trainable.forEach((w, k) => w.variable.write(tf.tensor(p.initial[k]!, w.variable.shape as number[])));
        const optimizer = createAdam(LRS[0]!, { weightDecay: WEIGHT_DECAY });
        LRS.forEach((lr, s) => {
          setLearningRate(optimizer, lr);
          // A name → gradient record in trainableWeights order, as trainStep hands it over.
          const grads: tf.NamedTensorMap = {};
          p.trainable.forEach((w, k) => (grads[varName(w.variable)] = tf.tensor(p.grads[s]![k]!, w.variable.shape as number[])));
          optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
          tf.dispose(Object.values(grads));
        });
        expect(optimizer.iterations).toBe(LRS.length);
        optimizer.dispose();
        let worst = 0, worstKey = '';
        for (const w of p.trainable) {
          const want = await torchTensor((t) => t.optim[m.name]!.grouped[w.key]!);
          const got = toTorchLayout(w.variable.read().dataSync() as Float32Array, w.variable.shape as number[], w.layout);
          const d = maxAbsDiff(got, want) / maxAbs(want);
          expect(d, `${w.key}: max |Δ| / max |w|`).toBeLessThanOrEqual(TOL);
          if (d > worst) [worst, worstKey] = [d, w.key];
        }
        measured.push(`${m.name} ${path}: weights after ${LRS.length} AdamW steps ≤ ${worst.toExponential(2)} of their max (${worstKey})`);
      });
    }
  });

  for (const c of LOSSES) {
    it(`loss ${c.name}: value and gradient of the array (native plan) and tensor versions equal PyTorch's bce_dice`, async () => {
      const t = await torch;
      const ref = t.losses[c.name]!;
      const want = await torchTensor(() => ref.grad);
      const scale = maxAbs(want);
      expect(scale).toBeGreaterThan(0);

      const dp = new Float32Array(lossIn.p.length);
      const parts = bceDiceWithGradient(lossIn.p, lossIn.y, LOSS_SHAPE[0]!, dp, c.weights);
      const arrayLoss = c.weights.bce * parts.bce + c.weights.dice * parts.diceLoss;
      expect(Math.abs(arrayLoss - ref.loss), `array loss ${arrayLoss} vs ${ref.loss}`).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(ref.loss)));
      const dArray = maxAbsDiff(dp, want) / scale;
      expect(dArray, 'array gradient').toBeLessThanOrEqual(TOL);

      await usePath(PATHS[0]!);
      const y = tf.tensor4d(lossIn.y, LOSS_SHAPE as [number, number, number, number]);
      const pT = tf.tensor4d(lossIn.p, LOSS_SHAPE as [number, number, number, number]);
      const { value, grad } = tf.valueAndGrad((q: tf.Tensor) => bceDiceLoss(y, q, c.weights))(pT);
      const tensorLoss = value.dataSync()[0]!;
      const dTensor = maxAbsDiff(grad.dataSync(), want) / scale;
      tf.dispose([y, pT, value, grad]);
      expect(Math.abs(tensorLoss - ref.loss), `tensor loss ${tensorLoss} vs ${ref.loss}`).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(ref.loss)));
      expect(dTensor, 'tensor gradient').toBeLessThanOrEqual(TOL);
      measured.push(`loss ${c.name}: |Δloss| array ${Math.abs(arrayLoss - ref.loss).toExponential(2)} tensor ${Math.abs(tensorLoss - ref.loss).toExponential(2)}; ` +
        `gradient ≤ ${Math.max(dArray, dTensor).toExponential(2)} of its max`);
    });
  }
});
