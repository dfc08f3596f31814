// PyTorch weights both ways, checked by real PyTorch (Debian's python3-torch, /usr/bin/python3 or
// SEG_STUDIO_PYTHON; without it this file FAILS, it does not skip), tests/helpers/pth_interop.py:
// (a) a state_dict PyTorch saved (random weights, random batch-norm statistics) imports into a
//     studio checkpoint (seg-studio import-weights) whose outputs equal PyTorch's within 1e-4;
// (b) a studio checkpoint exported to .pth loads with torch.load(weights_only=True) into the
//     reference model with strict=True and gives the studio's outputs within 1e-4;
// (c) that export, loaded and saved again by PyTorch, reads back into the studio bit for bit;
// (d) a pickle naming a global outside the allow-list (os.system) is refused, naming the file.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { predictFast } from '../src/engine/backend/native';
import { torchPython } from '../src/engine/bench/torch';
import { importPthCheckpoint } from '../src/engine/interop/import-pth';
import { readPth } from '../src/engine/interop/pth/read-pth';
import { loadStateDict } from '../src/engine/interop/torch-state-dict';
import { buildModel } from '../src/engine/models/build-model';
import { loadCheckpoint, saveCheckpoint } from '../src/engine/train/checkpoint';
import type { ModelName } from '../src/engine/types';
import { parseRunConfig } from '../src/shared/run-config';
import { importWeightsCommand } from '../src/cli/commands/import-weights';
import { exportCommand } from '../src/cli/commands/export';
import { checkpointToPth } from '../src/engine/interop/export-pth';
import { Rng } from '../src/engine/util/rng';
import { randomizeBatchNorms } from './helpers/batch-norms';
import { maxAbsDiff } from './helpers/array-diff';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'pth_interop.py');
const TOL = 1e-4;
const skipNative = process.env.SEG_STUDIO_SKIP_NATIVE === '1';
const reg = skipNative ? { ok: false } : await registerNativeBackend();

interface Case {
  name: string;
  model: ModelName;
  base: number;
  size: number;
  batch: number;
}
const CASES: Case[] = [
  { name: 'unet-b8', model: 'unet', base: 8, size: 64, batch: 2 },
  { name: 'resnet34_unet-b8', model: 'resnet34_unet', base: 8, size: 64, batch: 2 },
];

let dir = '';
const studio = new Map<string, { model: tf.LayersModel; x: tf.Tensor4D; out: Float32Array }>();
const measured: string[] = [];
let torchSummary: { torch: string; views: Record<string, number[]>; legacy_of: string };

function floats(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function predict(model: tf.LayersModel, x: tf.Tensor4D): Float32Array {
  const y = predictFast(model, x); // the path eval and predict take
  const v = y.dataSync() as Float32Array;
  y.dispose();
  return v;
}

describe('PyTorch .pth interop', () => {
  beforeAll(async () => {
    if (!skipNative) expect(reg.ok, 'native backend').toBe(true);
    await tf.setBackend(skipNative ? 'cpu' : 'native');
    dir = mkdtempSync(join(tmpdir(), 'pth-interop-'));
    // Studio side first: a checkpoint per case (random weights and batch-norm statistics), exported to .pth.
    for (const [i, c] of CASES.entries()) {
      const model = buildModel({ model: c.model, base: c.base, size: c.size, seed: 31 + i });
      randomizeBatchNorms(model, 41 + i);
      const rng = new Rng(7 + i);
      const xv = new Float32Array(c.batch * c.size * c.size * 3).map(() => rng.uniform(-2, 2.5));
      writeFileSync(join(dir, `${c.name}.x.bin`), xv);
      const x = tf.tensor4d(xv, [c.batch, c.size, c.size, 3]);
      const config = parseRunConfig({ data: 'sample', model: c.model, base: c.base, size: c.size });
      await saveCheckpoint(join(dir, `${c.name}.ckpt`), model, { kind: 'best', epoch: 1, config, bestValidDice: 0.5, bestEpoch: 1, history: [], backend: 'test' });
      const pth = join(dir, `${c.name}.studio.pth`);
      // The UNet through the command a user runs; both through the same engine function.
      if (c.model === 'unet') expect(await exportCommand.run(['--format', 'pytorch', '--checkpoint', join(dir, `${c.name}.ckpt`), '--out', pth, '--json'])).toBe(0);
      else writeFileSync(pth, (await checkpointToPth(join(dir, `${c.name}.ckpt`))).bytes, { flag: 'wx' });
      studio.set(c.name, { model, x, out: predict(model, x) });
    }
    writeFileSync(join(dir, 'request.json'), JSON.stringify({ cases: CASES.map((c) => ({ ...c, x: `${c.name}.x.bin`, studio_pth: `${c.name}.studio.pth` })) }));
    const r = spawnSync(torchPython(), [SCRIPT, dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${SCRIPT} failed (needs ${torchPython()} with torch; Debian: apt-get install python3-torch): ${(r.stderr || r.error?.message || '').trim().slice(-1500)}`);
    torchSummary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    measured.push(`torch ${torchSummary.torch}`);
  }, 120_000);

  afterAll(() => {
    for (const s of studio.values()) {
      s.model.dispose();
      s.x.dispose();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (measured.length) console.log(`pth interop:\n  ${measured.join('\n  ')}`);
  });

  for (const c of CASES) {
    it(`${c.name}: a state_dict saved by torch.save imports and predicts as PyTorch does`, async () => {
      const out = join(dir, `${c.name}.imported`);
      if (c.model === 'unet') {
        // Through the command a user runs.
        expect(await importWeightsCommand.run(['--pth', join(dir, `${c.name}.torch.pth`), '--model', c.model, '--size', String(c.size), '--out', out, '--json'])).toBe(0);
      } else {
        const r = await importPthCheckpoint({ pth: join(dir, `${c.name}.torch.pth`), model: c.model, size: c.size, out });
        expect(r).toMatchObject({ base: c.base, format: 'zip' });
      }
      const ckpt = await loadCheckpoint(out);
      expect(ckpt.meta.config).toMatchObject({ model: c.model, base: c.base, size: c.size });
      const d = maxAbsDiff(predict(ckpt.model, studio.get(c.name)!.x), floats(join(dir, `${c.name}.torch-out.bin`)));
      ckpt.model.dispose();
      measured.push(`${c.name} PyTorch → studio: outputs max |Δ| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(TOL);
      // The folder exists now: a second import must not replace it.
      await expect(importPthCheckpoint({ pth: join(dir, `${c.name}.torch.pth`), model: c.model, size: c.size, out })).rejects.toThrow(/already exists/);
    });

    it(`${c.name}: a studio checkpoint exported to .pth loads strictly in PyTorch and predicts the same`, () => {
      const d = maxAbsDiff(studio.get(c.name)!.out, floats(join(dir, `${c.name}.studio-out.bin`)));
      measured.push(`${c.name} studio → PyTorch: outputs max |Δ| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(TOL);
    });

    it(`${c.name}: studio → PyTorch (load, save again) → studio keeps every weight bit for bit`, () => {
      const original = studio.get(c.name)!.model;
      const back = buildModel({ model: c.model, base: c.base, size: c.size, randomWeights: false });
      const sd = readPth(join(dir, `${c.name}.resaved.pth`));
      expect(loadStateDict(back, sd.tensors, { file: 'resaved.pth', model: c.model })).toBe(original.weights.length);
      let differing = 0;
      original.weights.forEach((w, i) => {
        const a = new Uint32Array((w.read().dataSync() as Float32Array).slice().buffer);
        const b = new Uint32Array((back.weights[i]!.read().dataSync() as Float32Array).slice().buffer);
        expect(b.length).toBe(a.length);
        for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) differing++;
      });
      back.dispose();
      expect(differing, 'weights whose bits changed').toBe(0);
      // And PyTorch's file holds exactly the tensors the studio wrote, in the same order.
      expect([...sd.tensors.keys()]).toEqual([...readPth(join(dir, `${c.name}.studio.pth`)).tensors.keys()]);
    });
  }

  it('reads strided and shared views, float64 and float16, in the zip and the legacy format', () => {
    for (const file of ['views.pth', 'views-legacy.pth']) {
      const sd = readPth(join(dir, file));
      expect(sd.format).toBe(file.includes('legacy') ? 'legacy' : 'zip');
      expect([...sd.tensors.keys()]).toEqual(['t', 'row', 'd', 'h']);
      expect(sd.tensors.get('t')!.shape).toEqual([4, 3]);
      expect(sd.tensors.get('d')!.dtype).toBe('float64');
      for (const [k, want] of Object.entries(torchSummary.views)) {
        const got = Array.from(sd.tensors.get(k)!.values as Float32Array | Float64Array);
        // float32 values compared as float32 (PyTorch printed them widened to double).
        expect(got, `${file} ${k}`).toEqual(k === 'd' ? want : want.map((v) => Math.fround(v)));
      }
    }
    // A whole model in the legacy format: the same tensors, bit for bit, as the zip file.
    const name = torchSummary.legacy_of;
    const zip = readPth(join(dir, `${name}.torch.pth`)).tensors;
    const legacy = readPth(join(dir, `${name}.torch-legacy.pth`));
    expect(legacy.format).toBe('legacy');
    expect([...legacy.tensors.keys()]).toEqual([...zip.keys()]);
    for (const [k, t] of legacy.tensors) expect(Buffer.from(t.values.buffer).equals(Buffer.from(zip.get(k)!.values.buffer)), k).toBe(true);
  });

  it('seg-studio export --format pytorch refuses to replace an existing file', async () => {
    const pth = join(dir, 'unet-b8.studio.pth');
    const before = readFileSync(pth);
    await expect(exportCommand.run(['--format', 'pytorch', '--checkpoint', join(dir, 'unet-b8.ckpt'), '--out', pth])).rejects.toThrow(/already exists; nothing was written/);
    expect(readFileSync(pth).equals(before)).toBe(true);
  });

  it('refuses a pickle that would call os.system, naming the file and the global, and runs nothing', async () => {
    const evil = join(dir, 'evil.pth');
    expect(() => readPth(evil)).toThrow(new RegExp(`${evil.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: refused: .*"(posix|os)\\.system"`));
    await expect(importPthCheckpoint({ pth: evil, model: 'unet', out: join(dir, 'evil.ckpt') })).rejects.toThrow(/refused/);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'evil.ckpt'))).toBe(false);
  });

  it('names the file and the problem for a truncated file, the wrong model, and a mismatched width', async () => {
    const whole = readFileSync(join(dir, 'unet-b8.torch.pth'));
    const cut = join(dir, 'cut.pth');
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    expect(() => readPth(cut)).toThrow(/cut\.pth: not a readable zip archive/);
    await expect(importPthCheckpoint({ pth: join(dir, 'unet-b8.torch.pth'), model: 'resnet34_unet', out: join(dir, 'w1') })).rejects.toThrow(/unet-b8\.torch\.pth: holds a unet state_dict, not a resnet34_unet/);
    await expect(importPthCheckpoint({ pth: join(dir, 'unet-b8.torch.pth'), model: 'unet', base: 16, out: join(dir, 'w2') })).rejects.toThrow(/base width is 8, not 16/);
  });
});
