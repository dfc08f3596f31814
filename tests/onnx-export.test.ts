// The ONNX export (src/engine/export/onnx) run outside the studio: each file is loaded by
// onnxruntime-node and, independently, read by Python's `onnx` package (checker with full shape
// inference, metadata, dims) and run node by node with torch.nn.functional
// (tests/helpers/onnx_check.py). Both must give the studio's probabilities (the native compiled
// plan through predictFast, and tfjs' model.predict) within 1e-4 and the same 0.5-thresholded
// masks, for batch 1 and 3 from one file (the batch dimension is symbolic). Batch norms carry
// random statistics so a swapped or skipped one shows. The ResNet34-UNet uses base 16 here (the
// same graph as base 64, a sixteenth of the weights; base 64 is scripts/onnx-export-report.ts').
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { predictFast } from '../src/engine/backend/native';
import { torchPython } from '../src/engine/bench/torch';
import { modelToOnnx, type OnnxExport } from '../src/engine/export/onnx/export-onnx';
import { buildModel, countParams } from '../src/engine/models/build-model';
import type { ModelName } from '../src/engine/types';
import { randomizeBatchNorms } from './helpers/batch-norms';
import { centreHead, maskDisagreements, toNchw } from './helpers/onnx-compare';
import { maxAbsDiff } from './helpers/array-diff';

const CHECK = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'onnx_check.py');
const reg = await registerNativeBackend();
const work = mkdtempSync(join(tmpdir(), 'seg-onnx-'));

async function runOrt(file: string, x: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(file);
  try {
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['mask_probability']);
    const out = (await session.run({ image: new ort.Tensor('float32', x, dims) })).mask_probability!;
    // A copy: the output's storage may belong to the session, which is released below.
    return { data: (out.data as Float32Array).slice(), dims: [...out.dims] };
  } finally {
    await session.release();
  }
}

interface FileInfo {
  ir_version: number;
  opsets: Record<string, number>;
  inputs: { name: string; elem_type: number; dims: (string | number)[] }[];
  outputs: { name: string; elem_type: number; dims: (string | number)[] }[];
  metadata: Record<string, string>;
  op_types: string[];
  initializer_types: number[];
  parameters: number;
  output_shape?: number[];
}

interface PythonJob {
  file: string;
  x?: Float32Array;
  dims?: number[];
}

/** onnx_check.py over several files in one process: each file's description, and its output for `x` (NCHW) run with torch. */
function pythonCheck(jobs: PythonJob[]): Promise<{ info: FileInfo; out?: Float32Array }[]> {
  const spec = jobs.map((j) => {
    if (!j.x) return { file: j.file };
    writeFileSync(`${j.file}.in.bin`, new Uint8Array(j.x.buffer, j.x.byteOffset, j.x.byteLength));
    return { file: j.file, input: `${j.file}.in.bin`, dims: j.dims, output: `${j.file}.out.bin` };
  });
  const jobFile = join(work, 'jobs.json');
  writeFileSync(jobFile, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const p = spawn(torchPython(), [CHECK, jobFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`onnx_check.py exited ${code}: ${stderr}`));
      const infos = JSON.parse(stdout.trim().split('\n').pop()!) as FileInfo[];
      resolve(infos.map((info, i) => ({ info, out: spec[i]!.output ? new Float32Array(new Uint8Array(readFileSync(spec[i]!.output!)).buffer) : undefined })));
    });
  });
}

const CASES: { model: ModelName; base: number; size: number; ops: string[] }[] = [
  { model: 'unet', base: 8, size: 64, ops: ['BatchNormalization', 'Concat', 'Conv', 'ConvTranspose', 'MaxPool', 'Relu', 'Sigmoid'] },
  { model: 'resnet34_unet', base: 16, size: 64, ops: ['Add', 'BatchNormalization', 'Concat', 'Conv', 'ConvTranspose', 'MaxPool', 'Relu', 'Sigmoid'] },
];

interface Prepared {
  m: tf.LayersModel;
  /** Three images, NCHW, as fed to onnxruntime and torch. */
  input: Float32Array;
  /** The studio's probabilities: predictFast (native compiled plan) and tfjs' model.predict. */
  fast: Float32Array;
  predicted: Float32Array;
  full: OnnxExport;
  half: OnnxExport;
  exportMs: number;
  files: { full: string; half: string };
  python: { full: { info: FileInfo; out?: Float32Array }; half: { info: FileInfo; out?: Float32Array } };
}

/** A model with layers beyond the studio models' use (asymmetric 'same' pads, a Pad node, output_padding). */
function genericModel(): tf.LayersModel {
  const input = tf.input({ shape: [21, 19, 3] });
  let y = tf.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] }).apply(input) as tf.SymbolicTensor; // read by a batch norm: a Pad node
  y = tf.layers.batchNormalization({ axis: -1, epsilon: 1e-3 }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.conv2d({ filters: 5, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', biasInitializer: 'randomNormal' }).apply(y) as tf.SymbolicTensor;
  const a = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.concatenate({ axis: -1 }).apply([a, b]) as tf.SymbolicTensor;
  y = tf.layers.conv2dTranspose({ filters: 1, kernelSize: 1, strides: 3, padding: 'valid', biasInitializer: 'randomNormal' }).apply(y) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: y });
  randomizeBatchNorms(m, 4);
  return m;
}

describe('ONNX export', () => {
  const prepared = new Map<ModelName, Prepared>();
  const generic = { m: null as tf.LayersModel | null, file: join(work, 'generic.onnx'), info: null as FileInfo | null };

  beforeAll(async () => {
    // The native backend runs predictFast's compiled plan; elsewhere predictFast is model.predict.
    if (reg.ok) await tf.setBackend('native');
    const jobs: PythonJob[] = [];
    for (const c of CASES) {
      const { size } = c;
      const m = buildModel({ model: c.model, base: c.base, size, seed: 7 });
      randomizeBatchNorms(m, 31);
      const x = tf.randomUniform([3, size, size, 3], -2.2, 2.7, 'float32', 5);
      centreHead(m, x);
      const fast = tf.tidy(() => predictFast(m, x).dataSync() as Float32Array);
      const predicted = tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
      const input = toNchw(x.dataSync() as Float32Array, 3, size, size, 3);
      x.dispose();
      const t0 = performance.now();
      const full = modelToOnnx(m, { modelKind: c.model, origin: { studio_run: 'test' } });
      const exportMs = performance.now() - t0;
      const half = modelToOnnx(m, { modelKind: c.model, fp16: true });
      const files = { full: join(work, `${c.model}.onnx`), half: join(work, `${c.model}-fp16.onnx`) };
      writeFileSync(files.full, full.bytes);
      writeFileSync(files.half, half.bytes);
      jobs.push({ file: files.full, x: input, dims: [3, 3, size, size] }, { file: files.half, x: input, dims: [3, 3, size, size] });
      prepared.set(c.model, { m, input, fast, predicted, full, half, exportMs, files, python: null as never });
    }
    generic.m = genericModel();
    writeFileSync(generic.file, modelToOnnx(generic.m).bytes);
    jobs.push({ file: generic.file });
    // One Python process for every file (importing torch dominates its time).
    const results = await pythonCheck(jobs);
    CASES.forEach((c, i) => (prepared.get(c.model)!.python = { full: results[2 * i]!, half: results[2 * i + 1]! }));
    generic.info = results[results.length - 1]!.info;
  });
  afterAll(() => {
    for (const p of prepared.values()) p.m.dispose();
    generic.m?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.model}: onnxruntime and a torch run of the file give the studio's probabilities (1e-4) and masks, batch 3 and 1`, async () => {
      const { size } = c;
      const p = prepared.get(c.model)!;
      const { fast, predicted, input, full } = p;
      const three = await runOrt(p.files.full, input, [3, 3, size, size]);
      expect(three.dims).toEqual([3, 1, size, size]);
      const one = await runOrt(p.files.full, input.slice(0, 3 * size * size), [1, 3, size, size]);
      expect(one.dims).toEqual([1, 1, size, size]);
      const { info, out: torchOut } = p.python.full;

      const diffs = {
        ortVsPredictFast: maxAbsDiff(three.data, fast),
        ortVsModelPredict: maxAbsDiff(three.data, predicted),
        ortBatch1VsPredictFast: maxAbsDiff(one.data, fast.subarray(0, size * size)),
        torchVsPredictFast: maxAbsDiff(torchOut!, fast),
      };
      console.log(`${c.model} b${c.base} ${size}²: ${full.bytes.byteLength} bytes, ${full.nodes} nodes, export ${p.exportMs.toFixed(0)} ms, max |Δ| ${JSON.stringify(diffs)}`);
      for (const d of Object.values(diffs)) expect(d).toBeLessThan(1e-4);
      expect(maskDisagreements(three.data, fast)).toBe(0);
      expect(maskDisagreements(one.data, fast.subarray(0, size * size))).toBe(0);
      expect(maskDisagreements(torchOut!, fast)).toBe(0);
      // Both sides of the threshold occur (centreHead), so the mask comparison means something.
      const fg = Array.from(fast).filter((v) => v > 0.5).length / fast.length;
      expect(fg).toBeGreaterThan(0.2);
      expect(fg).toBeLessThan(0.8);

      expect(info.ir_version).toBe(8);
      expect(info.opsets).toEqual({ 'ai.onnx': 17 });
      expect(info.inputs).toEqual([{ name: 'image', elem_type: 1, dims: ['batch', 3, size, size] }]);
      expect(info.outputs).toEqual([{ name: 'mask_probability', elem_type: 1, dims: ['batch', 1, size, size] }]);
      // Every zero padding folded into its convolution or max-pool: no Pad node.
      expect(info.op_types).toEqual(c.ops);
      expect(info.initializer_types).toEqual([1]);
      expect(info.parameters).toBe(countParams(p.m).totalParams);
      expect(info.metadata).toMatchObject({
        model_kind: c.model,
        input_layout: 'NCHW',
        color_order: 'RGB',
        pixel_scale: '1/255',
        mean: '0.485,0.456,0.406',
        std: '0.229,0.224,0.225',
        threshold: '0.5',
        input_size: `${size}x${size}`,
        precision: 'float32',
        studio_run: 'test',
      });
    });
  }

  it('--fp16: float16 weights (and float16 activations in the torch run) stay within 1e-2 of the studio, float32 interface', async () => {
    for (const c of CASES) {
      const { size } = c;
      const p = prepared.get(c.model)!;
      const { fast, input, full, half } = p;
      // onnxruntime's CPU provider computes an fp16 graph in float32 (rounded weights only).
      const ortOut = await runOrt(p.files.half, input, [3, 3, size, size]);
      const { info, out: torchOut } = p.python.half;
      const diffs = { ortVsPredictFast: maxAbsDiff(ortOut.data, fast), torchFp16VsPredictFast: maxAbsDiff(torchOut!, fast) };
      const masks = { ort: maskDisagreements(ortOut.data, fast) / fast.length, torchFp16: maskDisagreements(torchOut!, fast) / fast.length };
      console.log(`${c.model} b${c.base} fp16: ${half.bytes.byteLength} bytes (float32 ${full.bytes.byteLength}), max |Δ| ${JSON.stringify(diffs)}, mask pixels differing ${JSON.stringify(masks)}`);
      expect(diffs.ortVsPredictFast).toBeLessThan(1e-2);
      expect(diffs.torchFp16VsPredictFast).toBeLessThan(1e-2);
      // The rounding is really there (the float32 file gives ~1e-7).
      expect(diffs.torchFp16VsPredictFast).toBeGreaterThan(1e-5);
      expect(info.initializer_types).toEqual([10]);
      expect(info.op_types).toContain('Cast');
      expect(info.inputs[0]!.elem_type).toBe(1);
      expect(info.outputs[0]!.elem_type).toBe(1);
      expect(info.metadata.precision).toBe('float16');
      expect(half.bytes.byteLength).toBeLessThan(full.bytes.byteLength * 0.52);
    }
  });

  it('takes the channel count from the model: a 6-channel click-to-segment UNet reads [batch, 6, H, W]', async () => {
    const m = buildModel({ model: 'unet', base: 4, size: 32, seed: 2, inChannels: 6 });
    randomizeBatchNorms(m, 3);
    const x = tf.randomUniform([2, 32, 32, 6], -1, 1, 'float32', 8);
    const ref = tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const file = join(work, 'unet-in6.onnx');
    const exported = modelToOnnx(m, { modelKind: 'unet' });
    writeFileSync(file, exported.bytes);
    const out = await runOrt(file, toNchw(x.dataSync() as Float32Array, 2, 32, 32, 6), [2, 6, 32, 32]);
    expect(maxAbsDiff(out.data, ref)).toBeLessThan(1e-4);
    expect(exported.metadata.input_channels).toBe('6');
    expect(exported.metadata.normalization).toMatch(/positive clicks/);
    tf.dispose(x);
    m.dispose();
  });

  it("layers beyond the studio models' use: asymmetric 'same' pads, a zero padding no convolution reads, transposed kernel smaller than its stride", async () => {
    const m = generic.m!;
    const x = tf.randomUniform([2, 21, 19, 3], -1, 1, 'float32', 9);
    const ref = tf.tidy(() => m.predict(x) as tf.Tensor);
    const out = await runOrt(generic.file, toNchw(x.dataSync() as Float32Array, 2, 21, 19, 3), [2, 3, 21, 19]);
    expect(out.dims).toEqual([2, 1, ...ref.shape.slice(1, 3)]);
    expect(maxAbsDiff(out.data, ref.dataSync())).toBeLessThan(1e-5);
    expect(generic.info!.op_types).toContain('Pad');
    expect(generic.info!.outputs[0]!.dims).toEqual(['batch', 1, ...ref.shape.slice(1, 3)]);
    tf.dispose([x, ref]);
  });

  it('refuses a layer it cannot express, naming it, before writing anything', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const up = tf.layers.upSampling2d({ size: [2, 2], name: 'the_upsampling' }).apply(input) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: up });
    expect(() => modelToOnnx(m)).toThrow(/ONNX export: this layer type is not supported at layer "the_upsampling" \(UpSampling2D\)/);
    m.dispose();
  });
});
