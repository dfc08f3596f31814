// The architectures match the PyTorch reference (shared/reference/torch_unet_bench.py): exact
// parameter counts at base 64, output shapes, PyTorch's padding alignment, seeded initialisation.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel, countParams } from '../src/engine/models/build-model';
import { conv, maxPool3s2AfterRelu, SeedSource } from '../src/engine/models/blocks';

/** Runs one block on a single-channel image with every conv kernel set to ones. */
function runBlock(block: (x: tf.SymbolicTensor) => tf.SymbolicTensor, image: number[][]): number[][] {
  const h = image.length;
  const w = image[0]!.length;
  const input = tf.input({ shape: [h, w, 1] });
  const model = tf.model({ inputs: input, outputs: block(input) });
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Conv2D') layer.setWeights(layer.getWeights().map((t) => tf.onesLike(t)));
  }
  const out = model.predict(tf.tensor4d(image.flat(), [1, h, w, 1])) as tf.Tensor4D;
  const rows = (out.squeeze([0, 3]) as tf.Tensor2D).arraySync();
  model.dispose();
  return rows;
}

describe('models', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('UNet base 64 has exactly 31,037,633 trainable parameters (PyTorch reference)', () => {
    // Parameter counts do not depend on the input size; a small size builds faster.
    const m = buildModel({ model: 'unet', base: 64, size: 32 });
    const counts = countParams(m);
    console.log(`unet base 64: trainable ${counts.trainableParams}, total ${counts.totalParams}`);
    expect(counts.trainableParams).toBe(31_037_633);
    // Non-trainable = BN moving mean + variance: 18 BN layers (9 DoubleConvs × 2) over
    // 2·(64+128+256+512+1024+512+256+128+64) = 5,888 channels → 2 · 5,888.
    expect(counts.totalParams - counts.trainableParams).toBe(11_776);
    m.dispose();
  });

  it('ResNet34-UNet base 64 has exactly 48,194,497 trainable parameters (PyTorch reference)', () => {
    const m = buildModel({ model: 'resnet34_unet', base: 64, size: 64 });
    const counts = countParams(m);
    console.log(`resnet34_unet base 64: trainable ${counts.trainableParams}, total ${counts.totalParams}`);
    expect(counts.trainableParams).toBe(48_194_497);
    // BN channels: stem 64; stages 3·2·64 + (4·2+1)·128 + (6·2+1)·256 + (3·2+1)·512 (the +1 is the
    // projection); bottleneck 3·1024; decoder 2·(512+256+128+64); head 2·64 → 13,632, ×2 for mean+var.
    expect(counts.totalParams - counts.trainableParams).toBe(27_264);
    // Stem 1; [3,4,6,3] + 1 bottleneck → 17 BasicBlocks × 2; a projection BN in each block that
    // changes shape (stages 2–4 and the bottleneck: 4); 4 decoder DoubleConvs × 2; head 2.
    const bnLayers = m.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    expect(bnLayers).toBe(1 + 17 * 2 + 4 + 4 * 2 + 2);
    m.dispose();
  });

  it('outputs one sigmoid channel at the input resolution (base 8, size 64)', () => {
    for (const model of ['unet', 'resnet34_unet'] as const) {
      const m = buildModel({ model, base: 8, size: 64, seed: 1 });
      expect(m.outputs[0]!.shape).toEqual([null, 64, 64, 1]);
      const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 3);
      const y = m.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 64, 64, 1]);
      const v = y.dataSync();
      expect(v.every((p) => p >= 0 && p <= 1)).toBe(true);
      tf.dispose([x, y]);
      m.dispose();
    }
  });

  it('ResNet34-UNet halves exactly at every stride: stem /2, pool /4, …, bottleneck /64', () => {
    const m = buildModel({ model: 'resnet34_unet', base: 8, size: 128 });
    const sides = new Set(m.layers.filter((l) => l.getClassName() === 'Add').map((l) => (l.outputShape as number[])[1]));
    expect([...sides].sort((a, b) => a - b)).toEqual([2, 4, 8, 16, 32]);
    const pool = m.layers.find((l) => l.getClassName() === 'MaxPooling2D')!;
    expect(pool.outputShape).toEqual([null, 32, 32, 8]);
    m.dispose();
  });

  it('a strided 3×3 conv pads one pixel on every side, like PyTorch padding=1', () => {
    // Ones kernel over a 4×4 ones image, stride 2, PyTorch padding 1: output (i,j) counts the real
    // pixels under the window rows/cols 2i−1…2i+1 → [[2·2, 2·3], [3·2, 3·3]].
    // (tfjs 'same' would pad only bottom/right and give [[9, 6], [6, 4]].)
    const ctx = { seeds: new SeedSource(0) };
    const ones = Array.from({ length: 4 }, () => [1, 1, 1, 1]);
    expect(runBlock((x) => conv(ctx, x, 1, 3, { strides: 2 }), ones)).toEqual([
      [4, 6],
      [6, 9],
    ]);
  });

  it('the 7×7 stride-2 stem conv pads three pixels on every side, like PyTorch padding=3', () => {
    // 8×8 ones: window rows 2i−3…2i+3 ∩ [0,7] hold r = [4, 6, 7, 5] real rows; output = r_i · r_j.
    const ctx = { seeds: new SeedSource(0) };
    const ones = Array.from({ length: 8 }, () => Array<number>(8).fill(1));
    const r = [4, 6, 7, 5];
    expect(runBlock((x) => conv(ctx, x, 1, 7, { strides: 2 }), ones)).toEqual(r.map((a) => r.map((b) => a * b)));
  });

  it('the stem max-pool 3×3/2 pads one pixel on every side, like PyTorch padding=1', () => {
    // Input v = 4·row + col (all ≥ 0, as after ReLU). Window rows/cols 2i−1…2i+1 clipped to the
    // image: (0,0) → rows 0–1, cols 0–1 → max 5; (0,1) → 7; (1,0) → 13; (1,1) → 15.
    // (tfjs 'same' would take rows/cols 0–2 for (0,0) → 10.)
    const image = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => 4 * r + c));
    expect(runBlock((x) => maxPool3s2AfterRelu(x), image)).toEqual([
      [5, 7],
      [13, 15],
    ]);
  });

  it('the same seed gives identical weights, another seed different ones (every kernel)', () => {
    for (const model of ['unet', 'resnet34_unet'] as const) {
      const build = (seed: number) => buildModel({ model, base: 4, size: 64, seed });
      const [ma, mb, mc] = [build(7), build(7), build(8)];
      const [a, b, c] = [ma, mb, mc].map((m) => m.getWeights().map((w) => Array.from(w.dataSync())));
      expect(a.length).toBe(c.length);
      for (let i = 0; i < a.length; i++) expect(b[i]).toEqual(a[i]);
      // Kernels are the 4-D weights; biases and BN start at constants and may coincide.
      const kernels = ma.getWeights().flatMap((w, i) => (w.rank === 4 ? [i] : []));
      expect(kernels.length).toBeGreaterThan(10);
      for (const i of kernels) expect(c[i]).not.toEqual(a[i]);
      // Different layers draw different streams: two kernels of the same shape are not copies.
      const shapes = ma.getWeights().map((w) => String(w.shape));
      const j = kernels.find((k) => k > kernels[1]! && shapes[k] === shapes[kernels[1]!])!;
      expect(j).toBeDefined();
      expect(a[j]).not.toEqual(a[kernels[1]!]);
      [ma, mb, mc].forEach((m) => m.dispose());
    }
  });

  it('refuses input sizes the architecture cannot halve cleanly, and bad widths', () => {
    expect(() => buildModel({ model: 'unet', base: 4, size: 40 })).toThrow(/multiple of 16/);
    expect(() => buildModel({ model: 'resnet34_unet', base: 4, size: 96 })).toThrow(/multiple of 64/);
    expect(() => buildModel({ model: 'unet', base: 0, size: 32 })).toThrow(/base width/);
  });
});
