// The ONNX export at the reference sizes, measured (too heavy for the test suite): UNet base 64
// and ResNet34-UNet base 64 at 256², random batch norms; for each the export time, the file size
// (float32 and float16), onnxruntime-node's load and inference time, and the largest difference
// to the studio's probabilities (predictFast on the native backend) with the mask pixels that
// differ at 0.5, batch 1 and 2 (the head's bias centred so that half of the pixels are
// foreground); the fp16 files also through tests/helpers/onnx_check.py
// (float16 activations, torch). With --checkpoint RUN/best --photos DIR, a trained checkpoint on
// real photos too (the studio's own input preparation for both sides).
//
//   npx tsx scripts/onnx-export-report.ts [--models unet,resnet34_unet] [--size 256] [--no-fp16-torch]
//                                        [--checkpoint RUN/best --photos DIR]
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

import { registerNativeBackend } from '../src/engine/backend/native';
import { predictFast } from '../src/engine/backend/native';
import { torchPython } from '../src/engine/bench/torch';
import { decodeImage } from '../src/engine/data/decode';
import { checkpointToOnnx, modelToOnnx } from '../src/engine/export/onnx/export-onnx';
import { listImageFiles } from '../src/engine/infer/predict';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import { buildModel } from '../src/engine/models/build-model';
import { loadCheckpoint } from '../src/engine/train/checkpoint';
import type { ModelName } from '../src/engine/types';
import { randomizeBatchNorms } from '../tests/helpers/batch-norms';
import { centreHead, maskDisagreements, toNchw } from '../tests/helpers/onnx-compare';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const size = Number(arg('size') ?? 256);
const models = (arg('models') ?? 'unet,resnet34_unet').split(',') as ModelName[];
const work = mkdtempSync(join(tmpdir(), 'onnx-report-'));

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

async function ortRun(file: string, x: Float32Array, dims: number[]) {
  let t = performance.now();
  const s = await ort.InferenceSession.create(file);
  const loadMs = performance.now() - t;
  await s.run({ image: new ort.Tensor('float32', x, dims) }); // warm-up
  t = performance.now();
  const out = ((await s.run({ image: new ort.Tensor('float32', x, dims) })).mask_probability!.data as Float32Array).slice(); // copied before the session is released
  const runMs = performance.now() - t;
  await s.release();
  return { out, loadMs, runMs };
}

function torchFp16(file: string, x: Float32Array, dims: number[]): Float32Array {
  const input = `${file}.in.bin`, output = `${file}.out.bin`, jobs = `${file}.jobs.json`;
  writeFileSync(input, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  writeFileSync(jobs, JSON.stringify([{ file, input, dims, output }]));
  execFileSync(torchPython(), [fileURLToPath(new URL('../tests/helpers/onnx_check.py', import.meta.url)), jobs], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Float32Array(new Uint8Array(readFileSync(output)).buffer);
}

const reg = await registerNativeBackend();
if (reg.ok) await tf.setBackend('native');
console.log(`backend ${tf.getBackend()}, onnxruntime-node ${ort.env.versions.node}, ${size}²`);
const rows: Record<string, unknown>[] = [];

for (const model of models) {
  const m = buildModel({ model, base: 64, size, seed: 1 });
  randomizeBatchNorms(m, 2);
  const xt = tf.randomUniform([2, size, size, 3], -2.1, 2.6, 'float32', 3);
  centreHead(m, xt);
  const fast = tf.tidy(() => predictFast(m, xt).dataSync() as Float32Array);
  const x = toNchw(xt.dataSync() as Float32Array, 2, size, size, 3);
  xt.dispose();
  for (const fp16 of [false, true]) {
    const t0 = performance.now();
    const ex = modelToOnnx(m, { modelKind: model, fp16 });
    const exportMs = performance.now() - t0;
    const file = join(work, `${model}${fp16 ? '-fp16' : ''}.onnx`);
    writeFileSync(file, ex.bytes);
    const two = await ortRun(file, x, [2, 3, size, size]);
    const one = await ortRun(file, x.subarray(0, 3 * size * size), [1, 3, size, size]);
    const row: Record<string, unknown> = {
      model: `${model} b64 ${size}²${fp16 ? ' fp16' : ''}`,
      bytes: ex.bytes.byteLength,
      MB: +(ex.bytes.byteLength / 1e6).toFixed(1),
      parameters: ex.parameters,
      exportMs: Math.round(exportMs),
      ortLoadMs: Math.round(two.loadMs),
      ortBatch2Ms: Math.round(two.runMs),
      maxDiffBatch2: two.out.length ? maxAbs(two.out, fast) : null,
      maxDiffBatch1: maxAbs(one.out, fast.subarray(0, size * size)),
      maskPixelsDiffering: `${maskDisagreements(two.out, fast)} of ${fast.length}`,
      foreground: +(Array.from(fast).filter((v) => v > 0.5).length / fast.length).toFixed(3),
      nonFinite: { studio: fast.filter((v) => !Number.isFinite(v)).length, onnxruntime: two.out.filter((v) => !Number.isFinite(v)).length },
    };
    if (fp16 && !process.argv.includes('--no-fp16-torch')) {
      const t = torchFp16(file, x, [2, 3, size, size]);
      row.torchFp16MaxDiff = maxAbs(t, fast);
      row.torchFp16MaskPixelsDiffering = maskDisagreements(t, fast);
    }
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  m.dispose();
}

const ckpt = arg('checkpoint'), photos = arg('photos');
if (ckpt && photos) {
  // A trained checkpoint on real photos: the studio's input preparation (resize + ImageNet
  // normalisation) feeds both; the question is whether onnxruntime's masks are the studio's.
  const loaded = await loadCheckpoint(resolve(ckpt));
  const s = loaded.meta.config.size;
  const files = listImageFiles(resolve(photos));
  const xs = new Float32Array(files.length * s * s * 3);
  for (const [i, f] of files.entries()) modelInputFromImage(await decodeImage(f), s, xs, i * s * s * 3);
  const xt = tf.tensor4d(xs, [files.length, s, s, 3]);
  const fast = tf.tidy(() => predictFast(loaded.model, xt).dataSync() as Float32Array);
  xt.dispose();
  const ex = await checkpointToOnnx(resolve(ckpt));
  const file = join(work, 'trained.onnx');
  writeFileSync(file, ex.bytes);
  const r = await ortRun(file, toNchw(xs, files.length, s, s, 3), [files.length, 3, s, s]);
  const row = { model: `trained ${loaded.meta.config.model} b${loaded.meta.config.base} ${s}² on ${files.length} photos`, bytes: ex.bytes.byteLength, maxDiff: maxAbs(r.out, fast), maskPixelsDiffering: `${maskDisagreements(r.out, fast)} of ${fast.length}`, foreground: +(Array.from(fast).filter((v) => v > 0.5).length / fast.length).toFixed(3) };
  rows.push(row);
  console.log(JSON.stringify(row));
  loaded.model.dispose();
}
console.table(rows);
rmSync(work, { recursive: true, force: true });
