// Inference without tfjs-layers on the 'native' backend: the model's layer graph, compiled once
// into a flat list of addon calls over reused buffers.
//
// Why: at small sizes a forward pass is dominated by per-op framework cost, not arithmetic.
// UNet base 8 at 64² (batch 4) spent ~1.8 ms of a ~5 ms `model.predict` in tfjs-layers and the
// engine (symbolic bookkeeping, a tensor object, an Identity clone and a fresh output per
// layer) around ~3 ms of kernels (docs/speed.md, third round). Here each step is one addon call
// writing into a buffer planned ahead: a buffer is reused once its last reader has run.
//
// The same folding as inference-fold.ts applies (exact algebra, moving statistics):
// Conv2D → BatchNormalization → ReLU/sigmoid is one oneDNN convolution with the batch norm as
// per-channel post-ops; Conv2DTranspose → BatchNormalization (→ ReLU) scales the small filter
// and adds the shift (+ReLU) in one pass; Add → ReLU is one pass. Weights are read from the
// layers' variables on every call, so a plan stays right while training updates them.
//
// A model with a layer this file does not know, a shared layer, several inputs or outputs, or
// channels-first data gets no plan (`compile` returns null) and callers use `model.predict`.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';

import { loadNativeAddon, type NativeAddon } from './addon';
import { convGeometry } from './kernels-conv';
import {
  activationName, activationOf, buildSteps, isBatchNorm, pair, read, size, soleConsumer, transposedLength, values, type Layer, type Shape, type Var,
} from './layer-graph';
import { cachedPlan, plansEnabled, SpareBuffers } from './plan-storage';
import { BINARY_OP, CONV_ACTIVATION, UNARY_OP } from './op-codes';

/** The activations a Conv2D layer may carry itself (or take from a following layer). */
const PLANNED_ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid']);

interface Step {
  /** Indices (into the step list) of the steps whose outputs this one reads. */
  inputs: number[];
  /** Output shape from the input shapes. */
  shape(inputs: Shape[]): Shape;
  /** Writes `out` from the input buffers; may read the layers' variables. */
  run(ins: Float32Array[], inShapes: Shape[], out: Float32Array, outShape: Shape): void;
  /** True when the output is the input buffer itself (no-op layers: linear activation). */
  alias?: boolean;
}

/** Per-channel y·scale + shift of an inference batch norm (after an optional bias). */
function batchNormAffine(bn: Layer, bias: Float32Array | null): { scale: Float32Array; shift: Float32Array } {
  const mean = read(bn.movingMean)!, variance = read(bn.movingVariance)!, gamma = read(bn.gamma), beta = read(bn.beta);
  const eps = bn.epsilon as number;
  const c = mean.length;
  const scale = new Float32Array(c), shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps);
    scale[i] = s;
    shift[i] = (bias ? bias[i]! * s : 0) + (beta ? beta[i]! : 0) - mean[i]! * s;
  }
  return { scale, shift };
}

interface Compiled {
  steps: Step[];
  output: number;
}

/** The plan's steps for `model`, or null when some layer or wiring is not covered. */
function compile(model: tf.LayersModel, addon: NativeAddon): Compiled | null {
  const input: Step = { inputs: [], shape: () => [], run: () => {} };
  return buildSteps<Step>(model, input, (layer, ins, add) => {
    const cls = layer.getClassName();
    switch (cls) {
      case 'Conv2D': {
        if (ins.length !== 1 || layer.rank !== 2 || (layer.padding !== 'same' && layer.padding !== 'valid')) return false;
        const own = activationName(layer);
        if (!PLANNED_ACTIVATIONS.has(own)) return false;
        const next = soleConsumer(layer);
        const bn = own === 'linear' && isBatchNorm(next) ? next! : null;
        const after = bn ? soleConsumer(bn) : own === 'linear' ? next : null;
        const act = activationOf(after);
        const fused = [bn, act ? after : null].filter((l): l is Layer => l !== null);
        const actCode = CONV_ACTIVATION[act ?? own]!;
        const attrs = { strides: layer.strides, pad: layer.padding, dilations: layer.dilationRate, dataFormat: 'NHWC' } as NamedAttrMap;
        const wShape = () => (layer.kernel as Var).read().shape;
        add(layer, {
          inputs: ins,
          shape: ([x]) => convGeometry(x!, wShape(), attrs)!.yShape,
          run: ([x], [xs], y) => {
            const g = convGeometry(xs!, wShape(), attrs)!;
            const bias = read(layer.bias);
            const affine = bn ? batchNormAffine(bn, null) : null;
            addon.convForward(
              x!, read(layer.kernel)!, bias, y, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations, actCode, 0,
              affine?.scale ?? null, affine?.shift ?? null,
            );
          },
        }, fused);
        return true;
      }
      case 'Conv2DTranspose': {
        if (ins.length !== 1 || (layer.padding !== 'same' && layer.padding !== 'valid') || activationName(layer) !== 'linear') return false;
        const next = soleConsumer(layer);
        const bn = isBatchNorm(next) ? next! : null;
        const after = bn ? soleConsumer(bn) : null;
        const relu = activationOf(after) === 'relu';
        const [kh, kw] = layer.kernelSize as number[];
        const [sh, sw] = layer.strides as number[];
        const filters = layer.filters as number;
                const outShape = (x: Shape) => [x[0]!, transposedLength(layer.padding, x[1]!, sh!, kh!), transposedLength(layer.padding, x[2]!, sw!, kw!), filters];
        const attrs = { strides: [sh, sw], pad: layer.padding, dilations: 1, dataFormat: 'NHWC' } as NamedAttrMap;
        add(layer, {
          inputs: ins,
          shape: ([x]) => outShape(x!),
          run: ([x], [xs], y, ys) => {
            const kernel = (layer.kernel as Var).read();
            const g = convGeometry(ys, kernel.shape, attrs)!;
            const bias = read(layer.bias);
            let w = values(kernel);
            let shift = bias;
            if (bn) {
              const affine = batchNormAffine(bn, bias);
              // Filter [kh, kw, out, in]: scale each output channel's slice.
              const inC = xs![3]!;
              const scaled = new Float32Array(w.length);
              for (let i = 0; i < w.length; i++) scaled[i] = w[i]! * affine.scale[Math.floor(i / inC) % filters]!;
              w = scaled;
              shift = affine.shift;
            }
            addon.convBackwardData(x!, w, y, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations);
            if (shift) addon.binary(relu ? BINARY_OP.AddRelu : BINARY_OP.Add, y, ys, shift, [filters], y, ys);
            else if (relu) addon.unary(UNARY_OP.Relu, y, y, 0);
          },
        }, [bn, relu ? after : null].filter((l): l is Layer => l !== null));
        return true;
      }
      case 'BatchNormalization': {
        if (ins.length !== 1 || !isBatchNorm(layer)) return false;
        add(layer, {
          inputs: ins,
          shape: ([x]) => x!,
          run: ([x], [xs], y) =>
            addon.batchNormApply(
              x!, read(layer.movingMean)!, read(layer.movingVariance)!, read(layer.beta), read(layer.gamma), layer.epsilon as number, y, xs![3]!,
            ),
        });
        return true;
      }
      case 'ReLU':
      case 'Activation': {
        if (ins.length !== 1) return false;
        const act = activationOf(layer);
        if (cls === 'Activation' && activationName(layer) === 'linear') {
          add(layer, { inputs: ins, shape: ([x]) => x!, run: () => {}, alias: true });
          return true;
        }
        if (!act) return false;
        const op = act === 'relu' ? UNARY_OP.Relu : UNARY_OP.Sigmoid;
        add(layer, { inputs: ins, shape: ([x]) => x!, run: ([x], _s, y) => addon.unary(op, x!, y, 0) });
        return true;
      }
      case 'MaxPooling2D': {
        if (ins.length !== 1) return false;
        const geo = (x: Shape) =>
          backend_util.computePool2DInfo(x as [number, number, number, number], pair(layer.poolSize), pair(layer.strides), 1, layer.padding as 'same' | 'valid');
        add(layer, {
          inputs: ins,
          shape: ([x]) => {
            const i = geo(x!);
            return [i.batchSize, i.outHeight, i.outWidth, i.outChannels];
          },
          run: ([x], [xs], y, ys) => {
            const i = geo(xs!);
            addon.maxPool(x!, y, xs!, ys, [i.filterHeight, i.filterWidth], [i.strideHeight, i.strideWidth], [i.padInfo.top, i.padInfo.left]);
          },
        });
        return true;
      }
      case 'ZeroPadding2D': {
        if (ins.length !== 1) return false;
        const [[top, bottom], [left, right]] = layer.padding as [[number, number], [number, number]];
        add(layer, {
          inputs: ins,
          shape: ([x]) => [x![0]!, x![1]! + top + bottom, x![2]! + left + right, x![3]!],
          run: ([x], [xs], y) => addon.pad(x!, xs!, [0, top, left, 0], [0, bottom, right, 0], 0, y),
        });
        return true;
      }
      case 'Concatenate': {
        if (ins.length < 2 || (layer.axis !== -1 && layer.axis !== 3)) return false;
        add(layer, {
          inputs: ins,
          shape: (xs) => [xs[0]![0]!, xs[0]![1]!, xs[0]![2]!, xs.reduce((c, s) => c + s[3]!, 0)],
          run: (vals, xs, y, ys) => addon.concat(vals, xs.map((s) => s[3]!), size(ys) / ys[3]!, y),
        });
        return true;
      }
      case 'Add': {
        if (ins.length !== 2) return false;
        const next = soleConsumer(layer);
        const relu = activationOf(next) === 'relu';
        add(layer, {
          inputs: ins,
          shape: ([a, b]) => {
            if (!tf.util.arraysEqual(a!, b!)) throw new Error(`native inference plan: Add of shapes ${a} and ${b}`);
            return a!;
          },
          run: ([a, b], [as], y) => addon.binary(relu ? BINARY_OP.AddRelu : BINARY_OP.Add, a!, as!, b!, as!, y, as!),
        }, relu ? [next!] : []);
        return true;
      }
      default:
        return false;
    }
  });
}

interface Schedule {
  shapes: Shape[];
  /** For each step, the steps whose buffers may be reused after it ran. */
  frees: number[][];
}

/** A compiled model: run(x) → probabilities, with buffers reused between calls. */
export class NativeInferencePlan {
  private readonly schedules = new Map<string, Schedule>();
  private readonly spare = new SpareBuffers();

  private constructor(private readonly compiled: Compiled) {}

  static compile(model: tf.LayersModel): NativeInferencePlan | null {
    const load = loadNativeAddon();
    if (!load.ok) return null;
    const compiled = compile(model, load.addon);
    return compiled ? new NativeInferencePlan(compiled) : null;
  }

  get stepCount(): number {
    return this.compiled.steps.length;
  }

  private schedule(inShape: Shape): Schedule {
    const key = inShape.join('x');
    const cached = this.schedules.get(key);
    if (cached) return cached;
    const { steps, output } = this.compiled;
    const shapes: Shape[] = [];
    steps.forEach((s, i) => shapes.push(i === 0 ? inShape : s.shape(s.inputs.map((j) => shapes[j]!))));
    // Owner of each step's storage (an alias step uses its input's), and its last reader.
    const owner = steps.map((_, i) => i);
    steps.forEach((s, i) => {
      if (s.alias) owner[i] = owner[s.inputs[0]!]!;
    });
    const lastUse = new Map<number, number>();
    steps.forEach((s, i) => s.inputs.forEach((j) => lastUse.set(owner[j]!, i)));
    lastUse.set(owner[output]!, Infinity);
    lastUse.set(0, Infinity); // the caller's input is never ours to reuse
    const frees: number[][] = steps.map(() => []);
    for (const [o, at] of lastUse) if (Number.isFinite(at)) frees[at]!.push(o);
    const schedule = { shapes, frees };
    this.schedules.set(key, schedule);
    return schedule;
  }

  /** Runs the model on a float32 NHWC input held by the native backend. */
  run(x: tf.Tensor): tf.Tensor {
    const input = values(x);
    const { steps, output } = this.compiled;
    const { shapes, frees } = this.schedule(x.shape);
    const buffers: Float32Array[] = new Array(steps.length);
    buffers[0] = input;
    for (let i = 1; i < steps.length; i++) {
      const step = steps[i]!;
      const ins = step.inputs.map((j) => buffers[j]!);
      if (step.alias) {
        buffers[i] = ins[0]!;
      } else {
        // The output buffer is handed to the caller's tensor, so it is never a reused one.
        buffers[i] = i === output ? new Float32Array(size(shapes[i]!)) : this.spare.take(size(shapes[i]!));
        step.run(ins, step.inputs.map((j) => shapes[j]!), buffers[i]!, shapes[i]!);
      }
      for (const j of frees[i]!) if (j !== 0) this.spare.give(buffers[j]!);
    }
    // An aliased output (a trailing linear activation) is planned storage: hand out a copy.
    const out = steps[output]!.alias ? buffers[output]!.slice() : buffers[output]!;
    return tf.tensor(out, shapes[output]!, 'float32');
  }
}

const plans = new WeakMap<tf.LayersModel, NativeInferencePlan | null>();

/**
 * model.predict(x) — through a compiled plan when the 'native' backend is active and the model
 * compiles (SEG_STUDIO_NATIVE_PLAN=0 turns plans off), otherwise tfjs-layers' own predict.
 */
export function predictFast(model: tf.LayersModel, x: tf.Tensor): tf.Tensor {
  if (plansEnabled() && x.dtype === 'float32' && x.rank === 4) {
    const plan = cachedPlan(plans, model, (m) => NativeInferencePlan.compile(m));
    if (plan) return plan.run(x);
  }
  return model.predict(x) as tf.Tensor;
}
