// A tfjs-layers model (NHWC) as an ONNX graph (NCHW), layer by layer: the studio's models use
// Conv2D (with ZeroPadding2D in front when strided), BatchNormalization, ReLU, MaxPooling2D,
// Conv2DTranspose, Concatenate, Add and a sigmoid Activation; anything else is refused naming
// the layer. The ONNX graph takes and returns NCHW tensors, so no transposes are needed inside:
// only the kernels are re-laid out and the channel axis becomes 1.
//
// Padding: ONNX Conv/MaxPool take explicit pads [top, left, bottom, right]. A ZeroPadding2D read
// only by a 'valid' convolution is folded into that convolution's pads (exactly what PyTorch's
// padding=k//2 is). One read only by a 'valid' max-pool is folded only when its input is a ReLU
// output: ONNX pads a max-pool with −∞, which equals zero padding when all values are ≥ 0 and
// each window holds a real pixel (the ResNet stem, see models/blocks.ts). Any other zero padding
// becomes a Pad node. tfjs 'same' pads floor(total/2) before and the rest after (TensorFlow's
// rule); the pads are computed from the model's fixed spatial size.
//
// Kernels: Conv2D HWIO → OIHW; Conv2DTranspose [h, w, out, in] → [in, out, h, w], the layouts
// PyTorch uses too (models/torch-names.ts, whose state_dict keys also name the initializers).
import * as tf from '@tensorflow/tfjs';

import { torchMapping, torchShape, toTorchLayout, type TorchLayout } from '../../models/torch-names';
import { toFloat16Bytes } from './float16';
import { DataType, type OnnxAttributeValue, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnx-proto';

export const ONNX_INPUT = 'image';
export const ONNX_OUTPUT = 'mask_probability';
const BATCH_DIM = 'batch';

type Layer = tf.layers.Layer;
interface Config {
  [key: string]: unknown;
}
/** A value of the graph; `pads` marks a zero padding not yet applied (folded into its reader). */
interface Value {
  name: string;
  pads?: [number, number, number, number];
  /** True when every element is ≥ 0 (a ReLU output). */
  nonNegative?: boolean;
}

export interface GraphOptions {
  /** Weights and arithmetic in float16 (Casts keep the float32 interface). */
  fp16?: boolean;
}

export interface BuiltGraph {
  graph: OnnxGraph;
  inChannels: number;
  height: number;
  width: number;
  parameters: number;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0] as number, (v[1] ?? v[0]) as number] : [v as number, v as number]);

function littleEndianFloat32(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** tfjs/TensorFlow 'same' padding along one axis: [before, after]. */
function samePads(length: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(length / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - length, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  parameters = 0;
  private readonly values = new Map<Layer, Value>();
  private readonly torchKeys = new Map<tf.LayerVariable, string>();
  private readonly usedNames = new Set<string>();

  constructor(
    private readonly model: tf.LayersModel,
    private readonly fp16: boolean,
  ) {
    // The PyTorch module names make the graph readable next to the reference models; a model
    // that is not exactly a studio UNet/ResNet34-UNet keeps its tfjs layer names.
    try {
      for (const w of torchMapping(model).weights) this.torchKeys.set(w.variable, w.key);
    } catch {
      this.torchKeys.clear();
    }
  }

  fail(layer: Layer, problem: string): never {
    throw new Error(`ONNX export: ${problem} at layer "${layer.name}" (${layer.getClassName()})`);
  }

  /** A node name not used before, from the layer's PyTorch module name when it has one. */
  private nameFor(layer: Layer, suffix = ''): string {
    const key = layer.weights.map((w) => this.torchKeys.get(w)).find((k) => k !== undefined);
    let base = (key ? key.slice(0, key.lastIndexOf('.')) : layer.name) + suffix;
    for (let i = 1; this.usedNames.has(base); i++) base = `${base}_${i}`;
    this.usedNames.add(base);
    return base;
  }

  node(opType: string, name: string, inputs: string[], attributes?: Record<string, OnnxAttributeValue>): string {
    this.nodes.push({ opType, name, inputs, outputs: [name], attributes });
    return name;
  }

  /** A float initializer (float16 when exporting fp16) named after the weight. */
  private weight(layer: Layer, role: string, values: Float32Array, dims: number[]): string {
    const variable = layer.weights.find((w) => w.originalName.endsWith(`/${role}`));
    const key = variable ? this.torchKeys.get(variable) : undefined;
    const name = key ?? `${layer.name}.${role}`;
    this.parameters += values.length;
    this.initializers.push(
      this.fp16
        ? { name, dataType: DataType.FLOAT16, dims, raw: toFloat16Bytes(values) }
        : { name, dataType: DataType.FLOAT, dims, raw: littleEndianFloat32(values) },
    );
    return name;
  }

  private int64s(name: string, values: number[]): string {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], raw });
    return name;
  }

  private variable(layer: Layer, role: string): { values: Float32Array; shape: number[] } | null {
    const v = layer.weights.find((w) => w.originalName.endsWith(`/${role}`));
    return v ? { values: v.read().dataSync() as Float32Array, shape: v.shape as number[] } : null;
  }

  private relaid(layer: Layer, role: string, layout: TorchLayout): string {
    const v = this.variable(layer, role);
    if (!v) this.fail(layer, `no ${role} weight`);
    return this.weight(layer, role, toTorchLayout(v.values, v.shape, layout), torchShape(v.shape, layout));
  }

  private bias(layer: Layer, c: Config): string[] {
    if (!c.useBias) return [];
    const v = this.variable(layer, 'bias');
    if (!v) this.fail(layer, 'no bias weight');
    return [this.weight(layer, 'bias', v.values, [v.values.length])];
  }

  /** The layer's activation as a separate node after `out`. */
  private activation(layer: Layer, c: Config, out: string): Value {
    const act = String(c.activation ?? 'linear');
    if (act === 'linear') return { name: out };
    if (act === 'relu') return { name: this.node('Relu', `${out}/relu`, [out]), nonNegative: true };
    if (act === 'sigmoid') return { name: this.node('Sigmoid', `${out}/sigmoid`, [out]) };
    this.fail(layer, `activation "${act}" is not supported`);
  }

  /** Spatial size [h, w] of a single-input layer's input (fixed in the studio's models). */
  private inputSize(layer: Layer): [number, number] {
    const shape = (layer.input as tf.SymbolicTensor).shape;
    const [h, w] = [shape[1], shape[2]];
    if (typeof h !== 'number' || typeof w !== 'number') this.fail(layer, 'the spatial size must be fixed');
    return [h, w];
  }

  /** Explicit pads [top, left, bottom, right] for a Conv or MaxPool reading `x`. */
  private pads(layer: Layer, x: Value, padding: unknown, kernel: [number, number], strides: [number, number], dilation: [number, number]): number[] {
    if (padding === 'valid') return x.pads ? [...x.pads] : [0, 0, 0, 0];
    if (padding !== 'same' || x.pads) this.fail(layer, `padding "${String(padding)}" is not supported`);
    const [h, w] = this.inputSize(layer);
    const [top, bottom] = samePads(h, kernel[0], strides[0], dilation[0]);
    const [left, right] = samePads(w, kernel[1], strides[1], dilation[1]);
    return [top, left, bottom, right];
  }

  /** A pending zero padding applied as a Pad node (for readers that cannot fold it). */
  private materialise(layer: Layer, x: Value): Value {
    if (!x.pads) return x;
    const [t, l, b, r] = x.pads;
    const name = this.nameFor(layer, '/pad');
    return { name: this.node('Pad', name, [x.name, this.int64s(`${name}.pads`, [0, 0, t, l, 0, 0, b, r])], { mode: 'constant' }) };
  }

  visit(layer: Layer, inputs: Value[]): Value {
    const c = layer.getConfig() as Config;
    if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') this.fail(layer, 'channels-first layers are not supported');
    const cls = layer.getClassName();
    const single = (): Value => {
      if (inputs.length !== 1) this.fail(layer, 'expected one input');
      return inputs[0]!;
    };
    const plain = (): Value => this.materialise(layer, single());
    switch (cls) {
      case 'ZeroPadding2D': {
        const x = plain();
        const [[t, b], [l, r]] = c.padding as [[number, number], [number, number]];
        const pending: Value = { name: x.name, pads: [t, l, b, r], nonNegative: x.nonNegative };
        // Fold into the one reader when it can take the pads itself (see the header).
        const readers = layer.outboundNodes.map((n) => n.outboundLayer as Layer);
        const reader = readers.length === 1 ? readers[0]! : null;
        const rc = reader?.getConfig() as Config | undefined;
        const foldable =
          reader && rc!.padding === 'valid' && (reader.getClassName() === 'Conv2D' || (reader.getClassName() === 'MaxPooling2D' && x.nonNegative));
        return foldable ? pending : this.materialise(layer, pending);
      }
      case 'Conv2D': {
        const x = single();
        const kernel = pair(c.kernelSize), strides = pair(c.strides), dilation = pair(c.dilationRate ?? 1);
        const name = this.nameFor(layer);
        const out = this.node('Conv', name, [x.name, this.relaid(layer, 'kernel', 'conv2d'), ...this.bias(layer, c)], {
          kernel_shape: kernel,
          strides,
          dilations: dilation,
          pads: this.pads(layer, x, c.padding, kernel, strides, dilation),
          group: 1,
        });
        return this.activation(layer, c, out);
      }
      case 'Conv2DTranspose': {
        const x = plain();
        const kernel = pair(c.kernelSize), strides = pair(c.strides);
        if (c.padding !== 'valid' || pair(c.dilationRate ?? 1).some((d) => d !== 1)) this.fail(layer, 'only valid, undilated transposed convolutions are supported');
        const name = this.nameFor(layer);
        // tfjs 'valid': out = in·s + max(k − s, 0); ONNX: s·(in − 1) + k + output_padding.
        const outputPadding = kernel.map((k, i) => Math.max(strides[i]! - k, 0));
        const out = this.node('ConvTranspose', name, [x.name, this.relaid(layer, 'kernel', 'convTranspose2d'), ...this.bias(layer, c)], {
          kernel_shape: kernel,
          strides,
          pads: [0, 0, 0, 0],
          ...(outputPadding.some((p) => p > 0) ? { output_padding: outputPadding } : {}),
        });
        return this.activation(layer, c, out);
      }
      case 'BatchNormalization': {
        const x = plain();
        if (c.axis !== -1 && c.axis !== 3) this.fail(layer, 'only channel batch norms are supported');
        const mean = this.variable(layer, 'moving_mean'), variance = this.variable(layer, 'moving_variance');
        if (!mean || !variance) this.fail(layer, 'no moving statistics');
        const n = mean.values.length;
        const gamma = this.variable(layer, 'gamma')?.values ?? new Float32Array(n).fill(1);
        const beta = this.variable(layer, 'beta')?.values ?? new Float32Array(n);
        const name = this.nameFor(layer);
        const inputs = [
          this.weight(layer, 'gamma', gamma, [n]),
          this.weight(layer, 'beta', beta, [n]),
          this.weight(layer, 'moving_mean', mean.values, [n]),
          this.weight(layer, 'moving_variance', variance.values, [n]),
        ];
        return { name: this.node('BatchNormalization', name, [x.name, ...inputs], { epsilon: { float: c.epsilon as number } }) };
      }
      case 'ReLU': {
        const x = plain();
        if (c.maxValue != null) this.fail(layer, 'a capped ReLU is not supported');
        return { name: this.node('Relu', this.nameFor(layer), [x.name]), nonNegative: true };
      }
      case 'Activation':
        return this.activation(layer, c, plain().name);
      case 'MaxPooling2D': {
        const x = single();
        const kernel = pair(c.poolSize), strides = pair(c.strides ?? c.poolSize);
        const pads = this.pads(layer, x, c.padding, kernel, strides, [1, 1]);
        return { name: this.node('MaxPool', this.nameFor(layer), [x.name], { kernel_shape: kernel, strides, pads }), nonNegative: x.nonNegative };
      }
      case 'Concatenate': {
        // NHWC axis → NCHW axis.
        const axis = ({ 1: 2, 2: 3, 3: 1, [-1]: 1 } as Record<number, number>)[c.axis as number];
        if (axis === undefined) this.fail(layer, `concatenation axis ${String(c.axis)}`);
        const xs = inputs.map((v) => this.materialise(layer, v));
        return { name: this.node('Concat', this.nameFor(layer), xs.map((v) => v.name), { axis }), nonNegative: xs.every((v) => v.nonNegative) };
      }
      case 'Add': {
        const xs = inputs.map((v) => this.materialise(layer, v));
        return { name: this.node(xs.length === 2 ? 'Add' : 'Sum', this.nameFor(layer), xs.map((v) => v.name)), nonNegative: xs.every((v) => v.nonNegative) };
      }
      default:
        this.fail(layer, 'this layer type is not supported');
    }
  }

  build(): BuiltGraph {
    const model = this.model;
    if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error(`ONNX export: expected one input and one output (model "${model.name}")`);
    const [, height, width, inChannels] = model.inputs[0]!.shape;
    const [, outHeight, outWidth, outChannels] = model.outputs[0]!.shape;
    const fixed = [height, width, inChannels, outHeight, outWidth, outChannels];
    if (!fixed.every((d) => typeof d === 'number'))
      throw new Error(`ONNX export: the input and output shapes must be fixed apart from the batch (model "${model.name}")`);
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') {
        this.usedNames.add(ONNX_INPUT);
        this.values.set(layer, { name: this.fp16 ? this.node('Cast', `${ONNX_INPUT}/float16`, [ONNX_INPUT], { to: DataType.FLOAT16 }) : ONNX_INPUT });
        continue;
      }
      if (layer.inboundNodes.length !== 1) this.fail(layer, 'shared layers are not supported');
      const node = layer.inboundNodes[0]!;
      if (node.tensorIndices.some((i) => i !== 0)) this.fail(layer, 'multi-output layers are not supported');
      const inputs = node.inboundLayers.map((l) => this.values.get(l as Layer));
      if (inputs.some((v) => v === undefined)) this.fail(layer, 'layers out of order');
      this.values.set(layer, this.visit(layer, inputs as Value[]));
    }
    const last = this.values.get(model.outputs[0]!.sourceLayer as Layer)!;
    if (last.pads) throw new Error('ONNX export: the model ends in a zero padding');
    this.finishOutput(last.name);
    const batch = [BATCH_DIM];
    return {
      graph: {
        name: model.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: [{ name: ONNX_INPUT, elemType: DataType.FLOAT, shape: [...batch, inChannels!, height!, width!] }],
        outputs: [{ name: ONNX_OUTPUT, elemType: DataType.FLOAT, shape: [...batch, outChannels!, outHeight!, outWidth!] }],
      },
      inChannels: inChannels!,
      height: height!,
      width: width!,
      parameters: this.parameters,
    };
  }

  /** Names the last value `mask_probability` (through a Cast to float32 for fp16). */
  private finishOutput(last: string): void {
    if (this.fp16) {
      this.nodes.push({ opType: 'Cast', name: `${ONNX_OUTPUT}/float32`, inputs: [last], outputs: [ONNX_OUTPUT], attributes: { to: DataType.FLOAT } });
      return;
    }
    const producer = this.nodes.find((n) => n.outputs.includes(last));
    if (!producer) {
      this.nodes.push({ opType: 'Identity', name: ONNX_OUTPUT, inputs: [last], outputs: [ONNX_OUTPUT] });
      return;
    }
    for (const n of this.nodes) {
      n.outputs = n.outputs.map((o) => (o === last ? ONNX_OUTPUT : o));
      n.inputs = n.inputs.map((i) => (i === last ? ONNX_OUTPUT : i));
    }
  }
}

/** The ONNX graph of a tfjs-layers model with one NHWC input and one NHWC output. */
export function buildOnnxGraph(model: tf.LayersModel, opts: GraphOptions = {}): BuiltGraph {
  return new GraphBuilder(model, Boolean(opts.fp16)).build();
}
