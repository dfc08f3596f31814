// The model export surfaces on a real checkpoint: `seg-studio export` (a real process) and the
// app/HTTP operation exports.model (through the services' dispatch, so its schema applies). The
// ONNX files are run by onnxruntime-node against tfjs' own prediction of the same checkpoint;
// the tfjs folders are read back by tfjs. Existing files are refused unless asked, and a
// replaced file is kept in .versions/.
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildModel } from '../src/engine/models/build-model';
import { readLayersModel, saveCheckpoint } from '../src/engine/train/checkpoint';
import { createStudioServices, type StudioServices } from '../src/services/studio-services';
import type { Envelope, ExportModelResult } from '../src/shared/contract';
import { parseRunConfig } from '../src/shared/run-config';
import { randomizeBatchNorms } from './helpers/batch-norms';
import { maxAbsDiff } from './helpers/array-diff';

const exec = promisify(execFile);
const root = resolve(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'seg-onnx-cli-'));
const ckpt = join(work, 'run', 'best');
const SIZE = 32;
let x: tf.Tensor;
let expected: Float32Array;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [join(root, 'bin', 'seg-studio.mjs'), ...args], { cwd: root, timeout: 120_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** onnxruntime's probabilities for `x` (NHWC here, NCHW for the file, by a plain loop). */
async function ortPredict(file: string): Promise<Float32Array> {
  const [n, h, w, c] = x.shape as number[];
  const v = x.dataSync();
  const nchw = new Float32Array(v.length);
  for (let b = 0; b < n!; b++) for (let y = 0; y < h!; y++) for (let z = 0; z < w!; z++) for (let k = 0; k < c!; k++) nchw[((b * c! + k) * h! + y) * w! + z] = v[((b * h! + y) * w! + z) * c! + k]!;
  const s = await ort.InferenceSession.create(file);
  try {
    return ((await s.run({ image: new ort.Tensor('float32', nchw, [n!, c!, h!, w!]) })).mask_probability!.data as Float32Array).slice(); // a copy: the session is released below
  } finally {
    await s.release();
  }
}

beforeAll(async () => {
  const m = buildModel({ model: 'unet', base: 4, size: SIZE, seed: 11 });
  randomizeBatchNorms(m, 12);
  const config = parseRunConfig({ data: work, model: 'unet', base: 4, size: SIZE });
  const opt = tf.ones([3]);
  await saveCheckpoint(ckpt, m, { kind: 'best', epoch: 3, config, bestValidDice: 0.5, bestEpoch: 2, history: [], backend: 'cpu' }, [{ name: 'opt', tensor: opt }]);
  opt.dispose();
  x = tf.randomUniform([2, SIZE, SIZE, 3], -2, 2.5, 'float32', 13);
  expected = (m.predict(x) as tf.Tensor).dataSync() as Float32Array;
  m.dispose();
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('seg-studio export', () => {
  it('--format onnx writes a file onnxruntime runs like the studio, and refuses to replace it', async () => {
    const out = join(work, 'cli', 'unet.onnx');
    const r = await cli(['export', '--format', 'onnx', '--checkpoint', ckpt, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout.trim().split('\n').pop()!) as { bytes: number; opset: number; out: string; metadata: Record<string, string> };
    const bytes = readFileSync(out);
    expect(json.bytes).toBe(bytes.byteLength);
    expect(json.opset).toBe(17);
    expect(json.metadata.studio_checkpoint).toMatch(/^best \(epoch 3; best validation Dice 0\.5000 at epoch 2\)/);
    expect(maxAbsDiff(await ortPredict(out), expected)).toBeLessThan(1e-4);

    const again = await cli(['export', '--checkpoint', ckpt, '--out', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`${out} already exists; nothing was written`);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  it('--format tfjs writes the model without the optimizer state, read back by tfjs', async () => {
    const dir = join(work, 'cli', 'tfjs');
    const r = await cli(['export', '--format', 'tfjs', '--checkpoint', ckpt, '--out', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'model.json', 'weights.bin']);
    const m = await readLayersModel(dir);
    expect(maxAbsDiff(tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync()), expected)).toBe(0);
    m.dispose();
    const bad = await cli(['export', '--format', 'tfjs', '--fp16', '--checkpoint', ckpt, '--out', join(work, 'cli', 'other')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--fp16 applies to --format onnx only');
  });
});

describe('exports.model (app and HTTP)', () => {
  let s: StudioServices;
  let runId: number;
  const dataDir = join(work, 'data');
  const call = (args: Record<string, unknown>) => s.dispatch('exports', 'model', args as never) as Promise<Envelope<ExportModelResult>>;

  beforeAll(() => {
    s = createStudioServices({ dbPath: join(dataDir, 'studio.db'), recover: false });
    const run = s.store.runs.create({ name: 'onnx probe', config: parseRunConfig({ data: work, model: 'unet', base: 4, size: SIZE }), runDirFor: (id) => join(dataDir, 'runs', `run-${id}`) });
    runId = run.id;
    cpSync(ckpt, join(run.runDir, 'best'), { recursive: true });
  });
  afterAll(() => s.close());

  it('format onnx (and fp16) into a folder; an existing file is refused unless overwrite, which keeps it in .versions/', async () => {
    const folder = join(dataDir, 'exports', 'onnx');
    const first = await call({ runId, folder, format: 'onnx' });
    expect(first.ok && first.result.files).toEqual(['model.onnx']);
    const file = join(folder, 'model.onnx');
    expect(maxAbsDiff(await ortPredict(file), expected)).toBeLessThan(1e-4);
    const original = readFileSync(file);

    const refused = await call({ runId, folder, format: 'onnx' });
    expect(!refused.ok && refused.error.code).toBe('CONFLICT');
    expect(!refused.ok && refused.error.message).toContain(`${file} already exists`);
    expect(existsSync(join(folder, '.versions'))).toBe(false);

    const replaced = await call({ runId, folder, format: 'onnx', overwrite: true });
    expect(replaced.ok).toBe(true);
    expect(readFileSync(join(folder, '.versions', 'model.v1.onnx')).equals(original)).toBe(true);

    const half = await call({ runId, folder, format: 'onnx', fp16: true });
    expect(half.ok && half.result.files).toEqual(['model-fp16.onnx']);
    const halfFile = join(folder, 'model-fp16.onnx');
    expect(readFileSync(halfFile).byteLength).toBeLessThan(original.byteLength * 0.55);
    const d = maxAbsDiff(await ortPredict(halfFile), expected);
    expect(d).toBeLessThan(1e-2);
    expect(d).toBeGreaterThan(0);
  });

  it('format tfjs (the default) refuses existing files too; fp16 is refused for it', async () => {
    const folder = join(dataDir, 'exports', 'tfjs');
    const first = await call({ runId, folder });
    expect(first.ok && first.result).toMatchObject({ format: 'tfjs', files: ['checkpoint.json', 'model.json', 'weights.bin'] });
    const refused = await call({ runId, folder });
    expect(!refused.ok && refused.error.code).toBe('CONFLICT');
    const fp16 = await call({ runId, folder: join(dataDir, 'exports', 'tfjs2'), fp16: true });
    expect(!fp16.ok && fp16.error.code).toBe('INVALID_ARGUMENT');
  });
});
