// Loads an exported TensorFlow.js layers model (model.json + its weight files) with nothing but
// @tensorflow/tfjs on its CPU backend, through a plain IOHandler, and predicts a batch: a check
// of the export format that shares nothing with the studio's loader or its native backend.
//   node tests/helpers/tfjs-predict.mjs MODEL_DIR INPUT.f32 N SIZE OUTPUT.f32
// INPUT: N·SIZE·SIZE·3 float32 (NHWC, already normalised); OUTPUT: the model's N·SIZE·SIZE·1 floats.
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, inputPath, n, size, outPath] = process.argv.slice(2);
const handler = {
  async load() {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const weightSpecs = [];
    const parts = [];
    for (const group of json.weightsManifest) {
      weightSpecs.push(...group.weights);
      for (const p of group.paths) parts.push(readFileSync(join(dir, p)));
    }
    const all = Buffer.concat(parts);
    return {
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      weightSpecs,
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    };
  },
};
await tf.setBackend('cpu');
const model = await tf.loadLayersModel(handler);
const raw = readFileSync(inputPath);
const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const y = model.predict(tf.tensor4d(x, [Number(n), Number(size), Number(size), 3]));
const out = await y.data();
writeFileSync(outPath, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
process.stdout.write(JSON.stringify({ backend: tf.getBackend(), shape: y.shape }) + '\n');
