// Inference-mode layer fusion on the 'native' backend: Conv2D → BatchNormalization (→ ReLU)
// becomes one oneDNN convolution with the batch norm folded into its filter and bias and the
// ReLU as a post-op; Conv2DTranspose → BatchNormalization (→ ReLU) becomes the transposed
// convolution with a scaled filter plus one bias(+ReLU) pass; Add → ReLU (ResNet's residual)
// becomes one element-wise pass.
//
// Why: model.predict on UNet-8 at 64² ran 94 kernels for 19 convolutions; each separate
// FusedBatchNorm and Relu is a full pass over the activation plus a fresh tensor, and at small
// sizes the per-op overhead dominates (docs/speed.md). Folding is exact algebra:
//   BN(conv(x, W) + b) = conv(x, W·s) + (b·s + β − μ·s),  s = γ / √(σ² + ε)  (per output channel)
// with rounding differences of a few float32 ulps.
//
// How, without changing the models: tfjs-layers runs a model's layers in graph order, passing
// each layer's output tensor to its consumers. The patched Conv2D/Add `call` looks at its
// (unique) consumer layers; when they are a last-axis BatchNormalization and/or a ReLU used by
// nobody else, it computes their work too and records the output's data id as "already done by
// layers {BN, ReLU}". Those layers' patched `call` then return their input unchanged (Layer.apply
// clones it, sharing the data). Anything else — training mode, another backend, shared layers,
// other consumers, non-float32 — runs the layers' own code. Opt out: SEG_STUDIO_NATIVE_FOLD=0.
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs';

import { forward } from './kernels-conv';
import { soleConsumer } from './layer-graph';
import { BINARY_OP } from './op-codes';
import { f32, tensorInput, type NativeKernel, type NativeKernelArgs } from './kernel-util';

const CONV_BN_KERNEL = 'SegNativeConvBatchNorm';

/**
 * conv2d(x, filter) (+ bias) → batch norm with moving statistics → activation, as one oneDNN
 * convolution whose per-channel scale s = γ/√(σ²+ε) and shift β − μ·s are binary post-ops:
 * nothing is written but the output (no folded copy of the weights per call).
 */
export const foldKernels: NativeKernel[] = [
  {
    kernelName: CONV_BN_KERNEL,
    impl: (args, addon) => {
      const { backend } = args;
      const get = (name: string) => {
        const t = tensorInput(args, name);
        return t ? f32(backend, t) : null;
      };
      const mean = get('mean'), variance = get('variance'), gamma = get('gamma'), beta = get('beta');
      if (!mean || !variance) throw new Error(`${CONV_BN_KERNEL}: float32 statistics required`);
      const c = mean.length, eps = Number(args.attrs.eps);
      const scale = new Float32Array(c), shift = new Float32Array(c);
      for (let i = 0; i < c; i++) {
        const s = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps);
        scale[i] = s;
        shift[i] = (beta ? beta[i]! : 0) - mean[i]! * s;
      }
      const out = forward(args as NativeKernelArgs, addon, true, { scale, shift });
      if (!out) throw new Error(`${CONV_BN_KERNEL}: unsupported convolution`);
      return out;
    },
  },
];

/**
 * Data id of an output → the layers whose computation it already includes, and in which mode
 * (an inference fold uses moving statistics, so it must never stand in for a training call).
 */
const done = new WeakMap<object, { layers: Set<object>; training: boolean }>();

export interface LayerVar {
  read(): Tensor;
}
export interface NodeLike {
  outboundLayer: LayerLike;
}
export interface LayerLike {
  getClassName(): string;
  inboundNodes: unknown[];
  outboundNodes: NodeLike[];
}
interface ConvLike extends LayerLike {
  rank: number;
  kernel: LayerVar;
  bias: LayerVar | null;
  strides: number[];
  padding: 'same' | 'valid' | 'causal';
  dataFormat: string;
  dilationRate: number | number[];
  activation?: { getClassName(): string };
}
interface BatchNormLike extends LayerLike {
  axis: number;
  epsilon: number;
  gamma: LayerVar | null;
  beta: LayerVar | null;
  movingMean: LayerVar;
  movingVariance: LayerVar;
}
interface ReluLike extends LayerLike {
  maxValue?: number | null;
}
type CallFn = (this: LayerLike, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>) => Tensor | Tensor[];

const BINARY_KERNEL = 'SegNativeBinary';

/** True while tf.grad/variableGrads is recording: the fold kernel has no gradient, so don't. */
function recording(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return (state?.gradientDepth ?? 0) > 0;
}

function active(kwargs: Record<string, unknown> | undefined): boolean {
  return !kwargs?.training && tf.getBackend() === 'native' && process.env.SEG_STUDIO_NATIVE_FOLD !== '0' && !recording();
}

/** A ReLU layer (or Activation 'relu') without a cap. */
export function isPlainRelu(layer: LayerLike | null): layer is ReluLike {
  if (!layer) return false;
  const name = layer.getClassName();
  if (name === 'ReLU') return (layer as ReluLike).maxValue == null;
  // tfjs activation class names are lower case ('relu', 'linear').
  if (name === 'Activation') return (layer as unknown as { activation: { getClassName(): string } }).activation.getClassName().toLowerCase() === 'relu';
  return false;
}

function foldableBatchNorm(layer: LayerLike | null, rank: number): layer is BatchNormLike {
  if (!layer || layer.getClassName() !== 'BatchNormalization') return false;
  const bn = layer as BatchNormLike;
  return bn.axis === -1 || bn.axis === rank - 1;
}

function one(inputs: Tensor | Tensor[]): Tensor | null {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0]! : null;
}

/** Records that `t` already includes the work of `layers` (they will return it unchanged). */
export function markDone(t: Tensor, layers: object[], training: boolean): Tensor {
  if (layers.length) done.set(t.dataId, { layers: new Set(layers), training });
  return t;
}

const mark = (t: Tensor, layers: object[]) => markDone(t, layers, false);

/** Conv2D (+ its BatchNormalization, + its ReLU) as one fused convolution. */
function convCall(this: ConvLike, original: CallFn, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
  const x = one(inputs);
  if (!x || !active(kwargs) || x.dtype !== 'float32' || this.rank !== 2 || this.dataFormat !== 'channelsLast' || this.padding === 'causal') {
    return original.call(this, inputs, kwargs);
  }
  const ownAct = this.activation?.getClassName().toLowerCase() ?? 'linear';
  if (ownAct !== 'linear') return original.call(this, inputs, kwargs);
  const next = soleConsumer(this);
  const bn = foldableBatchNorm(next, x.rank) ? next : null;
  const afterBn = bn ? soleConsumer(bn) : next;
  const relu = isPlainRelu(afterBn) ? afterBn : null;
  // Without a batch norm there is nothing to fold; a lone ReLU after a conv is rare here.
  if (!bn) return original.call(this, inputs, kwargs);
  const inputsMap: Record<string, Tensor> = { x, filter: this.kernel.read(), mean: bn.movingMean.read(), variance: bn.movingVariance.read() };
  if (bn.gamma) inputsMap.gamma = bn.gamma.read();
  if (bn.beta) inputsMap.beta = bn.beta.read();
  if (this.bias) inputsMap.bias = this.bias.read();
  const attrs = {
    strides: this.strides, pad: this.padding, dataFormat: 'NHWC', dilations: this.dilationRate,
    activation: relu ? 'relu' : 'linear', eps: bn.epsilon,
  };
  const y = tf.engine().runKernel(CONV_BN_KERNEL, inputsMap, attrs as unknown as NamedAttrMap) as Tensor;
  return mark(y, relu ? [bn, relu] : [bn]);
}

interface ConvTransposeLike extends ConvLike {
  kernelSize: number[];
  filters: number;
}

/** tfjs-layers' output length of a transposed convolution ('same' / 'valid'). */
function deconvLength(dim: number, stride: number, kernel: number, padding: string): number {
  return padding === 'valid' ? dim * stride + Math.max(kernel - stride, 0) : dim * stride;
}

/**
 * Conv2DTranspose (+ its BatchNormalization, + its ReLU): oneDNN has no post-ops on the
 * backward-data primitive that computes a transposed convolution, so the batch-norm scale goes
 * into the (small) filter and bias + shift + ReLU into one broadcast pass, instead of the
 * separate bias add, batch norm and ReLU passes (ResNet34-UNet's head at 128² and 256²).
 */
function convTransposeCall(this: ConvTransposeLike, original: CallFn, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
  const x = one(inputs);
  const plain =
    x && active(kwargs) && x.dtype === 'float32' && x.rank === 4 && this.dataFormat === 'channelsLast' &&
    (this.padding === 'same' || this.padding === 'valid') && (this.activation?.getClassName().toLowerCase() ?? 'linear') === 'linear';
  const next = plain ? soleConsumer(this) : null;
  const bn = foldableBatchNorm(next, 4) ? next : null;
  if (!x || !bn) return original.call(this, inputs, kwargs);
  const afterBn = soleConsumer(bn);
  const relu = isPlainRelu(afterBn) ? afterBn : null;
  return tf.tidy(() => {
    const read = (v: LayerVar | null) => (v ? (v.read().dataSync() as Float32Array) : null);
    const mean = read(bn.movingMean)!, variance = read(bn.movingVariance)!, gamma = read(bn.gamma), beta = read(bn.beta);
    const bias = read(this.bias);
    const c = mean.length;
    const scale = new Float32Array(c), shift = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      const sc = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + bn.epsilon);
      scale[i] = sc;
      shift[i] = (bias ? bias[i]! * sc : 0) + (beta ? beta[i]! : 0) - mean[i]! * sc;
    }
    // Filter [kh, kw, outChannels, inChannels]: scale along axis 2.
    const w = tf.mul(this.kernel.read(), tf.tensor4d(scale, [1, 1, c, 1])) as tf.Tensor4D;
    const [sh, sw] = this.strides as [number, number];
    const outShape: [number, number, number, number] = [
      x.shape[0]!, deconvLength(x.shape[1]!, sh, this.kernelSize[0]!, this.padding),
      deconvLength(x.shape[2]!, sw, this.kernelSize[1]!, this.padding), this.filters,
    ];
    const y = tf.conv2dTranspose(x as tf.Tensor4D, w, outShape, [sh, sw], this.padding as 'same' | 'valid');
    const op = relu ? BINARY_OP.AddRelu : BINARY_OP.Add;
    const out = tf.engine().runKernel(BINARY_KERNEL, { a: y, b: tf.tensor1d(shift) }, { op, outShape } as unknown as NamedAttrMap) as Tensor;
    return mark(out, relu ? [bn, relu] : [bn]);
  });
}

/** Add of two same-shaped tensors followed by its ReLU: one native pass. */
function addCall(this: LayerLike, original: CallFn, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
  const relu = soleConsumer(this);
  if (!Array.isArray(inputs) || inputs.length !== 2 || !active(kwargs) || !isPlainRelu(relu)) return original.call(this, inputs, kwargs);
  const [a, b] = inputs as [Tensor, Tensor];
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !tf.util.arraysEqual(a.shape, b.shape)) return original.call(this, inputs, kwargs);
  const y = tf.engine().runKernel(BINARY_KERNEL, { a, b }, { op: BINARY_OP.AddRelu, outShape: a.shape } as unknown as NamedAttrMap) as Tensor;
  return mark(y, [relu]);
}

/** BatchNormalization / ReLU: skip when the producer already applied this layer. */
function skipIfDone(this: LayerLike, original: CallFn, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
  const x = one(inputs);
  const entry = x ? done.get(x.dataId) : undefined;
  if (entry && entry.layers.has(this) && entry.training === Boolean(kwargs?.training) && tf.getBackend() === 'native') return x!;
  return original.call(this, inputs, kwargs);
}

let patched = false;

function patch(proto: { call: CallFn }, impl: (this: LayerLike, original: CallFn, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>) => Tensor | Tensor[]): void {
  const original = proto.call;
  proto.call = function (this: LayerLike, inputs, kwargs) {
    return impl.call(this, original, inputs, kwargs);
  };
}

/** Installs the inference fusions (once per process); other backends and training are unchanged. */
export function installInferenceFolding(): void {
  if (patched) return;
  patched = true;
  const protoOf = (layer: object) => Object.getPrototypeOf(layer) as { call: CallFn };
  // Own `call` on the Conv2D prototype: Conv2DTranspose (a subclass) keeps its own call.
  const conv = protoOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 }));
  patch(conv, convCall as unknown as Parameters<typeof patch>[1]);
  patch(protoOf(tf.layers.conv2dTranspose({ filters: 1, kernelSize: 2 })), convTransposeCall as unknown as Parameters<typeof patch>[1]);
  patch(protoOf(tf.layers.add()), addCall);
  patch(protoOf(tf.layers.batchNormalization({})), skipIfDone);
  patch(protoOf(tf.layers.reLU()), skipIfDone);
  patch(protoOf(tf.layers.activation({ activation: 'relu' })), skipIfDone);
}
