// The studio's weights under PyTorch's names and layouts: which state_dict key of the reference
// models (scripts/torch_reference_models.py) each tfjs weight is, and how its values are laid out
// there. Used to copy weights across for the parity test, and for importing/exporting PyTorch
// weights.
//
// Keys: the UNet's follow milesial/Pytorch-UNet (inc.double_conv.N, downK.maxpool_conv.1.
// double_conv.N, upK.up, upK.conv.double_conv.N, outc.conv); the ResNet34-UNet's encoder follows
// torchvision.models.resnet34 under `encoder.` (conv1, bn1, layerK.J.{conv1, bn1, conv2, bn2,
// downsample.0, downsample.1}), then `bottleneck.*` (one BasicBlock), upK.* as in the UNet and
// head.{0, 1, 3, 4, 6}. The Sequential indices skip the ReLUs (and the max-pool), as PyTorch does.
//
// Layouts: a Conv2D kernel is HWIO in tfjs and OIHW in PyTorch; a Conv2DTranspose kernel is
// [h, w, out, in] in tfjs and [in, out, h, w] in PyTorch. Both are the same permutation of axes
// (3, 2, 0, 1), with no spatial flip: PyTorch's ConvTranspose2d and tfjs' conv2dTranspose both
// scatter input pixel (i, j) through kernel tap (a, b) to output (i·s + a, j·s + b). BatchNorm:
// gamma → weight, beta → bias, movingMean → running_mean, movingVariance → running_var; eps
// is 1e-5 on both sides, and tfjs' momentum 0.9 (weight of the old value) is PyTorch's 0.1
// (weight of the new one). PyTorch's `num_batches_tracked` has no counterpart: it only matters
// with momentum=None (a cumulative average), which the reference does not use.
//
// The walk reads the graph from the output back to the input, by structure (class, kernel,
// stride, wiring), never by the layers' generated names, which depend on what else the process
// built; so a model read back from a checkpoint maps the same way. Anything that is not exactly
// a studio UNet or ResNet34-UNet is refused with the layer where the walk stopped.
import * as tf from '@tensorflow/tfjs';

import type { ModelName } from '../types';

type Layer = tf.layers.Layer;

/** PyTorch's BatchNorm2d settings the studio's batch norms must have (eps; momentum of the new value). */
export const TORCH_BATCH_NORM = { eps: 1e-5, momentum: 0.1 } as const;

/** How a weight's values are arranged in PyTorch relative to tfjs. */
export type TorchLayout = 'conv2d' | 'convTranspose2d' | 'vector';

export interface TorchWeight {
  /** The state_dict key, e.g. `encoder.layer1.0.conv1.weight`. */
  key: string;
  /** The studio's weight (model.weights holds the same objects) and the layer that owns it. */
  variable: tf.LayerVariable;
  layer: tf.layers.Layer;
  layout: TorchLayout;
  /** False for the batch norms' moving statistics (buffers in PyTorch, not parameters). */
  trainable: boolean;
}

export interface TorchMapping {
  model: ModelName;
  /** Every weight of the model, each exactly once. */
  weights: TorchWeight[];
  /**
   * The encoder outputs the decoder reads, shallow to deep: UNet inc, down1, down2, down3;
   * ResNet34-UNet encoder.layer1 … encoder.layer4 (torchvision's stage outputs).
   */
  skips: tf.SymbolicTensor[];
}

type ModuleKind = 'conv' | 'convTranspose' | 'batchNorm';

const WEIGHT_KEYS: Record<ModuleKind, Record<string, { suffix: string; layout: TorchLayout }>> = {
  conv: { kernel: { suffix: 'weight', layout: 'conv2d' }, bias: { suffix: 'bias', layout: 'vector' } },
  convTranspose: { kernel: { suffix: 'weight', layout: 'convTranspose2d' }, bias: { suffix: 'bias', layout: 'vector' } },
  batchNorm: {
    gamma: { suffix: 'weight', layout: 'vector' },
    beta: { suffix: 'bias', layout: 'vector' },
    moving_mean: { suffix: 'running_mean', layout: 'vector' },
    moving_variance: { suffix: 'running_var', layout: 'vector' },
  },
};

interface Config {
  [key: string]: unknown;
}

const sameSides = (v: unknown, n: number) => Array.isArray(v) && v.length === 2 && v.every((x) => x === n);

/** Walks one model backwards, recording each weighted layer's PyTorch module name. */
class Walk {
  readonly modules: { prefix: string; layer: Layer; kind: ModuleKind }[] = [];

  constructor(private readonly what: string) {}

  fail(layer: Layer, problem: string): never {
    throw new Error(`not a studio ${this.what}: ${problem} at layer "${layer.name}" (${layer.getClassName()})`);
  }

  /** The one layer feeding `layer` (or its `index`th input); the layer must be called once. */
  input(layer: Layer, index = 0, count = 1): Layer {
    const nodes = layer.inboundNodes;
    if (nodes.length !== 1 || nodes[0]!.inboundLayers.length !== count) this.fail(layer, `expected ${count} input(s) from one call`);
    return nodes[0]!.inboundLayers[index]!;
  }

  expect(layer: Layer, className: string): Config {
    if (layer.getClassName() !== className) this.fail(layer, `expected ${className}`);
    return layer.getConfig() as Config;
  }

  relu(layer: Layer): Layer {
    this.expect(layer, 'ReLU');
    if ((layer.getConfig() as Config).maxValue != null) this.fail(layer, 'expected a plain ReLU');
    return this.input(layer);
  }

  batchNorm(layer: Layer, prefix: string): Layer {
    const c = this.expect(layer, 'BatchNormalization');
    const ok = (c.axis === -1 || c.axis === 3) && c.center === true && c.scale === true &&
      Math.abs((c.epsilon as number) - TORCH_BATCH_NORM.eps) < 1e-12 && Math.abs(1 - (c.momentum as number) - TORCH_BATCH_NORM.momentum) < 1e-9;
    if (!ok) this.fail(layer, `expected a channel batch norm with eps ${TORCH_BATCH_NORM.eps} and momentum ${1 - TORCH_BATCH_NORM.momentum}`);
    this.modules.push({ prefix, layer, kind: 'batchNorm' });
    return this.input(layer);
  }

  /**
   * A k×k convolution with PyTorch's symmetric padding `pad`: 'same' at stride 1 (odd k), or
   * ZeroPadding2D(pad) then 'valid' (how the studio pads strided convolutions). Returns the
   * layer before it (before the padding).
   */
  conv(layer: Layer, prefix: string, k: number, stride: number, pad: number, bias: boolean): Layer {
    const c = this.expect(layer, 'Conv2D');
    if (!sameSides(c.kernelSize, k) || !sameSides(c.strides, stride) || !sameSides(c.dilationRate, 1) || c.activation !== 'linear' || c.useBias !== bias)
      this.fail(layer, `expected a ${k}×${k} stride-${stride} convolution ${bias ? 'with' : 'without'} bias, no activation`);
    let before = this.input(layer);
    let effective = -1;
    if (c.padding === 'same' && stride === 1 && k % 2 === 1) effective = (k - 1) / 2;
    else if (c.padding === 'valid') {
      effective = 0;
      if (before.getClassName() === 'ZeroPadding2D') {
        const p = (before.getConfig() as Config).padding as [[number, number], [number, number]];
        const sym = p[0]![0]!;
        if (p.flat().some((v) => v !== sym)) this.fail(before, 'expected symmetric zero padding');
        effective = sym;
        before = this.input(before);
      }
    }
    if (effective !== pad) this.fail(layer, `expected padding ${pad} on every side (found ${effective < 0 ? String(c.padding) : effective})`);
    this.modules.push({ prefix, layer, kind: 'conv' });
    return before;
  }

  convTranspose2x2(layer: Layer, prefix: string): Layer {
    const c = this.expect(layer, 'Conv2DTranspose');
    if (!sameSides(c.kernelSize, 2) || !sameSides(c.strides, 2) || c.padding !== 'valid' || c.activation !== 'linear' || c.useBias !== true)
      this.fail(layer, 'expected a 2×2 stride-2 valid transposed convolution with bias, no activation');
    this.modules.push({ prefix, layer, kind: 'convTranspose' });
    return this.input(layer);
  }

  maxPool(layer: Layer, size: number, pad: number): Layer {
    const c = this.expect(layer, 'MaxPooling2D');
    if (!sameSides(c.poolSize, size) || !sameSides(c.strides, 2) || c.padding !== 'valid') this.fail(layer, `expected a ${size}×${size} stride-2 max-pool`);
    let before = this.input(layer);
    if (pad > 0) {
      // Zero padding stands in for PyTorch's −∞ padding only after a ReLU (values ≥ 0), see blocks.ts.
      const p = this.expect(before, 'ZeroPadding2D').padding as [[number, number], [number, number]];
      if (p.flat().some((v) => v !== pad)) this.fail(before, `expected zero padding ${pad} on every side`);
      before = this.input(before);
      if (before.getClassName() !== 'ReLU') this.fail(before, 'expected a ReLU before the zero-padded max-pool');
    }
    return before;
  }

  /** (3×3 conv, BN, ReLU) × 2 under `prefix` (indices 0, 1, 3, 4). */
  doubleConv(layer: Layer, prefix: string): Layer {
    let x = this.batchNorm(this.relu(layer), `${prefix}.4`);
    x = this.conv(x, `${prefix}.3`, 3, 1, 1, false);
    x = this.batchNorm(this.relu(x), `${prefix}.1`);
    return this.conv(x, `${prefix}.0`, 3, 1, 1, false);
  }

  /** Decoder step `upK`: returns the skip and the deeper input. */
  up(layer: Layer, prefix: string): { skip: Layer; deeper: Layer } {
    const cat = this.doubleConv(layer, `${prefix}.conv.double_conv`);
    const c = this.expect(cat, 'Concatenate');
    if (c.axis !== -1 && c.axis !== 3) this.fail(cat, 'expected a channel concatenation');
    const skip = this.input(cat, 0, 2);
    return { skip, deeper: this.convTranspose2x2(this.input(cat, 1, 2), `${prefix}.up`) };
  }

  /** torchvision's BasicBlock under `prefix`; returns the block's input. */
  basicBlock(layer: Layer, prefix: string, stride: number, projected: boolean): Layer {
    const add = this.relu(layer);
    this.expect(add, 'Add');
    const main = this.input(add, 0, 2), shortcut = this.input(add, 1, 2);
    let x = this.conv(this.batchNorm(main, `${prefix}.bn2`), `${prefix}.conv2`, 3, 1, 1, false);
    x = this.batchNorm(this.relu(x), `${prefix}.bn1`);
    const blockInput = this.conv(x, `${prefix}.conv1`, 3, stride, 1, false);
    const shortcutInput = projected ? this.conv(this.batchNorm(shortcut, `${prefix}.downsample.1`), `${prefix}.downsample.0`, 1, stride, 0, false) : shortcut;
    if (shortcutInput !== blockInput) this.fail(add, 'expected the shortcut to start where the block does');
    return blockInput;
  }

  sameLayer(found: Layer, expected: Layer, what: string): void {
    if (found !== expected) this.fail(found, `expected ${what} to be the decoder's skip "${expected.name}"`);
  }
}

function outputLayer(model: tf.LayersModel): Layer {
  if (model.outputs.length !== 1 || model.inputs.length !== 1) throw new Error(`not a studio model: expected one input and one output (model "${model.name}")`);
  return model.outputs[0]!.sourceLayer as Layer;
}

function isInput(layer: Layer): boolean {
  return layer.getClassName() === 'InputLayer';
}

/** The 1×1 head + sigmoid; returns the layer before the head conv. */
function head(walk: Walk, model: tf.LayersModel, prefix: string): Layer {
  const out = outputLayer(model);
  if (walk.expect(out, 'Activation').activation !== 'sigmoid') walk.fail(out, 'expected a sigmoid output');
  return walk.conv(walk.input(out), prefix, 1, 1, 0, true);
}

function walkUNet(model: tf.LayersModel): { walk: Walk; skips: Layer[] } {
  const walk = new Walk('UNet');
  let x = head(walk, model, 'outc.conv');
  const skips: Layer[] = [];
  for (let k = 4; k >= 1; k--) {
    const { skip, deeper } = walk.up(x, `up${k}`);
    skips[5 - k] = skip; // upK reads the output of level 5 − K (x1 = inc … x4 = down3)
    x = deeper;
  }
  for (let k = 4; k >= 1; k--) {
    x = walk.maxPool(walk.doubleConv(x, `down${k}.maxpool_conv.1.double_conv`), 2, 0);
    walk.sameLayer(x, skips[k]!, `the input of down${k}`);
  }
  const input = walk.doubleConv(x, 'inc.double_conv');
  if (!isInput(input)) walk.fail(input, 'expected the model input before inc');
  return { walk, skips: skips.slice(1) };
}

const RESNET34_DEPTHS = [3, 4, 6, 3];

function walkResNet34UNet(model: tf.LayersModel): { walk: Walk; skips: Layer[] } {
  const walk = new Walk('ResNet34-UNet');
  let x = head(walk, model, 'head.6');
  x = walk.convTranspose2x2(walk.batchNorm(walk.relu(x), 'head.4'), 'head.3');
  x = walk.convTranspose2x2(walk.batchNorm(walk.relu(x), 'head.1'), 'head.0');
  const skips: Layer[] = [];
  for (let k = 4; k >= 1; k--) {
    const { skip, deeper } = walk.up(x, `up${k}`);
    skips[5 - k] = skip; // upK reads encoder.layer(5 − K)
    x = deeper;
  }
  x = walk.basicBlock(x, 'bottleneck', 2, true);
  for (let s = 4; s >= 1; s--) {
    walk.sameLayer(x, skips[s]!, `the output of encoder.layer${s}`);
    for (let j = RESNET34_DEPTHS[s - 1]! - 1; j >= 0; j--) {
      const first = j === 0 && s > 1; // the first block of layer2-4 halves and widens
      x = walk.basicBlock(x, `encoder.layer${s}.${j}`, first ? 2 : 1, first);
    }
  }
  x = walk.maxPool(x, 3, 1);
  x = walk.conv(walk.batchNorm(walk.relu(x), 'encoder.bn1'), 'encoder.conv1', 7, 2, 3, false);
  if (!isInput(x)) walk.fail(x, 'expected the model input before encoder.conv1');
  return { walk, skips: skips.slice(1) };
}

/** Which of the two architectures: the ResNet34-UNet's head ends in a transposed convolution. */
function detectModel(model: tf.LayersModel): ModelName {
  const out = outputLayer(model);
  let l: Layer = out;
  for (let i = 0; i < 4 && l.inboundNodes.length === 1 && l.inboundNodes[0]!.inboundLayers.length === 1; i++) l = l.inboundNodes[0]!.inboundLayers[0]!;
  // sigmoid ← 1×1 conv ← ReLU ← BN ← (Conv2D in the UNet, Conv2DTranspose in the ResNet34-UNet)
  return l.getClassName() === 'Conv2DTranspose' ? 'resnet34_unet' : 'unet';
}

/** Every weight of a studio model with its PyTorch state_dict key and layout. */
export function torchMapping(model: tf.LayersModel, expected?: ModelName): TorchMapping {
  const kind = expected ?? detectModel(model);
  const { walk, skips } = (kind === 'unet' ? walkUNet : walkResNet34UNet)(model);
  const weights: TorchWeight[] = [];
  for (const { prefix, layer, kind: moduleKind } of walk.modules.reverse()) {
    for (const variable of layer.weights) {
      const role = variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
      const spec = WEIGHT_KEYS[moduleKind][role];
      if (!spec) walk.fail(layer, `unexpected weight "${variable.originalName}"`);
      weights.push({ key: `${prefix}.${spec.suffix}`, variable, layer, layout: spec.layout, trainable: variable.trainable });
    }
  }
  const mapped = new Set(weights.map((w) => w.variable));
  const unmapped = model.weights.filter((w) => !mapped.has(w));
  if (unmapped.length || mapped.size !== weights.length) throw new Error(`not a studio ${kind}: weights outside the mapped layers (${unmapped.map((w) => w.name).join(', ')})`);
  return { model: kind, weights, skips: skips.map((l) => l.output as tf.SymbolicTensor) };
}

/** The PyTorch shape of a weight whose tfjs shape is `shape`. */
export function torchShape(shape: readonly number[], layout: TorchLayout): number[] {
  if (layout === 'vector') return [...shape];
  const [h, w, a, b] = shape as [number, number, number, number];
  return [b, a, h, w]; // HWIO → OIHW; [h, w, out, in] → [in, out, h, w]
}

/** Values in tfjs layout (shape `shape`) rearranged into PyTorch's layout (torchShape). */
export function toTorchLayout(values: Float32Array, shape: readonly number[], layout: TorchLayout): Float32Array {
  if (layout === 'vector') return values.slice();
  const [h, w, a, b] = shape as [number, number, number, number];
  const out = new Float32Array(values.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let i = 0; i < a; i++)
        for (let o = 0; o < b; o++) out[((o * a + i) * h + y) * w + x] = values[((y * w + x) * a + i) * b + o]!;
  return out;
}

/** The inverse of toTorchLayout: PyTorch-layout values back into tfjs layout of shape `shape`. */
export function fromTorchLayout(values: Float32Array, shape: readonly number[], layout: TorchLayout): Float32Array {
  if (layout === 'vector') return values.slice();
  const [h, w, a, b] = shape as [number, number, number, number];
  const out = new Float32Array(values.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let i = 0; i < a; i++)
        for (let o = 0; o < b; o++) out[((y * w + x) * a + i) * b + o] = values[((o * a + i) * h + y) * w + x]!;
  return out;
}
