// A training step without tfjs' engine on the 'native' backend: the model's layer graph,
// compiled once into a flat forward list of addon calls, the BCE + Dice loss and its gradient on
// plain arrays, and a hand-written backward over the same list. Adam then runs as before
// (optimizer.applyGradients → the fused native update), so optimizer state, checkpoints and
// every other backend are unchanged.
//
// Why: a UNet base 8 training step at 64² (batch 4) took ~20 ms, of which ~6–10 ms was tfjs
// itself, not arithmetic: ~440 engine ops (half of them Identity clones of tensors saved for
// the backward pass), the tape, tfjs-layers' per-layer bookkeeping, and garbage collection of
// the tensor objects (docs/speed.md, fourth round). Here a step is ~5 addon calls per conv
// block over buffers reused from step to step.
//
// Semantics are those of model.apply(x, {training: true}) + losses.ts with tfjs' gradients:
// batch-norm layers normalize with batch statistics (biased variance) and update their moving
// averages exactly as the layer does (updateMovingStatistics); ReLU passes no gradient at 0;
// max-pool sends a window's gradient to its first maximum; gradients of every trainable weight
// are computed, those of the model input are not. tests/native-training-plan.test.ts compares
// loss, every gradient and the moving statistics with tfjs' own path on both studio models.
//
// Covered layers: InputLayer, Conv2D (linear/relu/sigmoid activation, optional bias),
// Conv2DTranspose (linear), BatchNormalization (last axis, centre and scale; a following ReLU is
// fused), ReLU, Activation (linear/relu/sigmoid), MaxPooling2D, ZeroPadding2D, Concatenate (last
// axis) and Add (a following ReLU is fused). Anything else, shared layers, frozen weights,
// several inputs or outputs, or an output that is not a probability map of the mask's shape:
// no plan (`compile` returns null) and training uses tfjs' gradients.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';

import { bceDiceWithGradient, type BceDiceValues } from '../../train/bce-dice-arrays';
import { REFERENCE_LOSS_WEIGHTS, type LossWeights } from '../../train/losses';
import { loadNativeAddon, type NativeAddon } from './addon';
import { updateMovingStatistics } from './batchnorm-train';
import { convGeometry } from './kernels-conv';
import {
  activationName, activationOf, buildSteps, isBatchNorm, pair, read, size, soleConsumer, transposedLength, values, type Shape, type Var,
} from './layer-graph';
import { cachedPlan, plansEnabled, SpareBuffers } from './plan-storage';
import { BINARY_OP, CONV_ACTIVATION, REDUCE_OP, UNARY_OP } from './op-codes';

/** The activations whose gradient the plan applies (as a mask on dy). */
const PLANNED_ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid']);

/** A step bound to one input shape: geometry computed once, buffers passed in. */
interface BoundStep {
  shape: Shape;
  /** Writes the output from the inputs (training mode: batch norms update their moving averages). */
  forward(ins: Float32Array[], out: Float32Array): void;
  /**
   * From dy (the gradient of the output; the step may overwrite it) writes the gradients of the
   * inputs into `dIns` (null where no gradient is wanted) and of the step's own weights.
   */
  backward(dy: Float32Array, ins: Float32Array[], out: Float32Array, dIns: (Float32Array | null)[]): void;
}

interface Step {
  /** Indices (into the step list) of the steps whose outputs this one reads. */
  inputs: number[];
  /** The trainable variables this step owns. */
  params: Var[];
  bind(inShapes: Shape[]): BoundStep;
}

/** Per input shape: every step bound, and the shapes. */
interface Schedule {
  shapes: Shape[];
  bound: (BoundStep | null)[];
}

interface Compiled {
  steps: Step[];
  output: number;
  /** Per step: does its output depend on a trainable weight (so its gradient is needed)? */
  needsGrad: boolean[];
}

type GradOf = (v: unknown) => Float32Array;

function mask(addon: NativeAddon, act: string, dy: Float32Array, y: Float32Array, shape: Shape): void {
  if (act === 'relu') addon.binary(BINARY_OP.ReluGrad, dy, shape, y, shape, dy, shape);
  else if (act === 'sigmoid') for (let i = 0; i < dy.length; i++) dy[i] = dy[i]! * y[i]! * (1 - y[i]!);
}

/** Σ over every axis but the last (a bias gradient). */
function channelSums(addon: NativeAddon, dy: Float32Array, channels: number, out: Float32Array): void {
  if (!addon.reduce(REDUCE_OP.Sum, dy, [dy.length / channels, channels], [0], out)) throw new Error('native training plan: bias reduction failed');
}

function compile(model: tf.LayersModel, addon: NativeAddon, gradOf: GradOf): Compiled | null {
  const input: Step = { inputs: [], params: [], bind: ([x]) => ({ shape: x!, forward: () => {}, backward: () => {} }) };
  const built = buildSteps<Step>(model, input, (layer, inputs, add) => {
    const cls = layer.getClassName();
    const one = inputs.length === 1;
    const nextRelu = () => {
      const next = soleConsumer(layer);
      return activationOf(next) === 'relu' ? next : null;
    };

    switch (cls) {
      case 'Conv2D': {
        const act = activationName(layer);
        if (!one || layer.rank !== 2 || (layer.padding !== 'same' && layer.padding !== 'valid') || !PLANNED_ACTIVATIONS.has(act)) return false;
        const kernel = layer.kernel as Var, bias = (layer.bias as Var | null) ?? null;
        const attrs = { strides: layer.strides, pad: layer.padding, dilations: layer.dilationRate, dataFormat: 'NHWC' } as NamedAttrMap;
        add(layer, {
          inputs,
          params: bias ? [kernel, bias] : [kernel],
          bind: ([xs]) => {
            const g = convGeometry(xs!, kernel.read().shape, attrs);
            if (!g) throw new Error(`native training plan: ${layer.name}: unsupported convolution`);
            const channels = g.yShape[3]!;
            return {
              shape: g.yShape,
              forward: ([x], y) =>
                addon.convForward(x!, read(kernel)!, read(bias), y, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations, CONV_ACTIVATION[act]!, 0, null, null),
              backward: (dy, [x], y, [dx]) => {
                mask(addon, act, dy, y, g.yShape);
                if (dx) addon.convBackwardData(dy, read(kernel)!, dx, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations);
                addon.convBackwardWeights(x!, dy, gradOf(kernel), g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations);
                if (bias) channelSums(addon, dy, channels, gradOf(bias));
              },
            };
          },
        });
        return true;
      }
      case 'Conv2DTranspose': {
        if (!one || (layer.padding !== 'same' && layer.padding !== 'valid') || activationName(layer) !== 'linear') return false;
        const kernel = layer.kernel as Var, bias = (layer.bias as Var | null) ?? null;
        const [kh, kw] = layer.kernelSize as number[];
        const [sh, sw] = layer.strides as number[];
        const filters = layer.filters as number;
        const attrs = { strides: [sh, sw], pad: layer.padding, dilations: 1, dataFormat: 'NHWC' } as NamedAttrMap;
        add(layer, {
          inputs,
          params: bias ? [kernel, bias] : [kernel],
          bind: ([xs]) => {
            const ys = [xs![0]!, transposedLength(layer.padding, xs![1]!, sh!, kh!), transposedLength(layer.padding, xs![2]!, sw!, kw!), filters];
            // The transposed convolution is the data gradient of the convolution ys → xs.
            const g = convGeometry(ys, kernel.read().shape, attrs);
            if (!g || !tf.util.arraysEqual(g.yShape, xs!)) throw new Error(`native training plan: ${layer.name}: unsupported transposed convolution`);
            return {
              shape: ys,
              forward: ([x], y) => {
                addon.convBackwardData(x!, read(kernel)!, y, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations);
                if (bias) addon.binary(BINARY_OP.Add, y, ys, read(bias)!, [filters], y, ys);
              },
              backward: (dy, [x], _y, [dx]) => {
                if (dx) addon.convForward(dy, read(kernel)!, null, dx, g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations, 0, 0, null, null);
                addon.convBackwardWeights(dy, x!, gradOf(kernel), g.xShape, g.wShape, g.yShape, g.strides, g.pads, g.dilations);
                if (bias) channelSums(addon, dy, filters, gradOf(bias));
              },
            };
          },
        });
        return true;
      }
      case 'BatchNormalization': {
        if (!one || !isBatchNorm(layer) || !layer.center || !layer.scale || !layer.gamma || !layer.beta) return false;
        const gamma = layer.gamma as Var, beta = layer.beta as Var, eps = layer.epsilon as number;
        const relu = nextRelu();
        add(layer, {
          inputs,
          params: [gamma, beta],
          bind: ([xs]) => {
            const c = xs![3]!;
            const mean = new Float32Array(c), variance = new Float32Array(c);
            return {
              shape: xs!,
              forward: ([x], y) => {
                addon.batchNormTrain(x!, read(gamma)!, read(beta)!, eps, c, y, mean, variance, relu ? 1 : 0);
                tf.tidy(() => updateMovingStatistics(layer as unknown as Parameters<typeof updateMovingStatistics>[0], mean, variance, xs![0]! * xs![1]! * xs![2]!));
              },
              backward: (dy, [x], y, [dx]) =>
                addon.batchNormTrainGrad(
                  x!, dy, relu ? y : null, mean, variance, read(gamma)!, eps, c, dx ?? new Float32Array(dy.length), gradOf(gamma), gradOf(beta),
                ),
            };
          },
        }, [relu]);
        return true;
      }
      case 'ReLU':
      case 'Activation': {
        const act = cls === 'ReLU' ? activationOf(layer) : activationName(layer);
        if (!one || (act !== 'relu' && act !== 'sigmoid' && act !== 'linear')) return false;
        add(layer, {
          inputs,
          params: [],
          bind: ([xs]) => ({
            shape: xs!,
            forward: ([x], y) => (act === 'linear' ? y.set(x!) : addon.unary(act === 'relu' ? UNARY_OP.Relu : UNARY_OP.Sigmoid, x!, y, 0)),
            backward: (dy, _x, y, [dx]) => {
              if (!dx) return;
              mask(addon, act, dy, y, xs!);
              dx.set(dy);
            },
          }),
        });
        return true;
      }
      case 'MaxPooling2D': {
        if (!one) return false;
        add(layer, {
          inputs,
          params: [],
          bind: ([xs]) => {
            const i = backend_util.computePool2DInfo(
              xs as [number, number, number, number], pair(layer.poolSize), pair(layer.strides), 1, layer.padding as 'same' | 'valid',
            );
            const ys = [i.batchSize, i.outHeight, i.outWidth, i.outChannels];
            const k = [i.filterHeight, i.filterWidth], s = [i.strideHeight, i.strideWidth], p = [i.padInfo.top, i.padInfo.left];
            return {
              shape: ys,
              forward: ([x], y) => addon.maxPool(x!, y, xs!, ys, k, s, p),
              backward: (dy, [x], _y, [dx]) => dx && addon.maxPoolGrad(dy, x!, dx, xs!, ys, k, s, p),
            };
          },
        });
        return true;
      }
      case 'ZeroPadding2D': {
        if (!one) return false;
        const [[top, bottom], [left, right]] = layer.padding as [[number, number], [number, number]];
        add(layer, {
          inputs,
          params: [],
          bind: ([xs]) => {
            const ys = [xs![0]!, xs![1]! + top + bottom, xs![2]! + left + right, xs![3]!];
            return {
              shape: ys,
              forward: ([x], y) => addon.pad(x!, xs!, [0, top, left, 0], [0, bottom, right, 0], 0, y),
              backward: (dy, _x, _y, [dx]) => dx && addon.slice(dy, ys, [0, top, left, 0], xs!, dx),
            };
          },
        });
        return true;
      }
      case 'Concatenate': {
        if (inputs.length < 2 || (layer.axis !== -1 && layer.axis !== 3)) return false;
        add(layer, {
          inputs,
          params: [],
          bind: (xs) => {
            const channels = xs.map((s) => s[3]!);
            const ys = [xs[0]![0]!, xs[0]![1]!, xs[0]![2]!, channels.reduce((a, b) => a + b, 0)];
            if (xs.some((s) => !tf.util.arraysEqual(s.slice(0, 3), ys.slice(0, 3)))) {
              throw new Error(`native training plan: ${layer.name}: concatenation of shapes ${xs.map((s) => `[${s}]`).join(', ')}`);
            }
            const offsets = channels.map((_, k) => channels.slice(0, k).reduce((a, b) => a + b, 0));
            return {
              shape: ys,
              forward: (ins, y) => addon.concat(ins, channels, size(ys) / ys[3]!, y),
              backward: (dy, _x, _y, dIns) =>
                dIns.forEach((dx, k) => dx && addon.slice(dy, ys, [0, 0, 0, offsets[k]!], xs[k]!, dx)),
            };
          },
        });
        return true;
      }
      case 'Add': {
        if (inputs.length !== 2) return false;
        const relu = nextRelu();
        add(layer, {
          inputs,
          params: [],
          bind: ([as, bs]) => {
            if (!tf.util.arraysEqual(as!, bs!)) throw new Error(`native training plan: ${layer.name}: Add of shapes ${as} and ${bs}`);
            return {
              shape: as!,
              forward: ([a, b], y) => addon.binary(relu ? BINARY_OP.AddRelu : BINARY_OP.Add, a!, as!, b!, as!, y, as!),
              backward: (dy, _x, y, dIns) => {
                if (relu) mask(addon, 'relu', dy, y, as!);
                for (const dx of dIns) dx?.set(dy);
              },
            };
          },
        }, [relu]);
        return true;
      }
      default:
        return false;
    }
  });
  if (!built) return null;
  const { steps, output } = built;

  // The plan must produce exactly the gradients tfjs would: one per trainable weight.
  const params = new Set(steps.flatMap((s) => s.params));
  const trainable = model.trainableWeights as unknown as Var[];
  if (params.size !== trainable.length || trainable.some((w) => !params.has(w))) return null;
  const needsGrad = steps.map(() => false);
  steps.forEach((s, i) => {
    needsGrad[i] = s.params.length > 0 || s.inputs.some((j) => needsGrad[j]);
  });
  return { steps, output, needsGrad };
}

/** What one training step computed: the loss parts and d(loss)/d(weight) per trainable weight. */
export interface TrainingStepResult extends BceDiceValues {
  /** In model.trainableWeights order: the variable's name, shape and gradient (plan-owned storage). */
  gradients: { name: string; shape: number[]; values: Float32Array }[];
}

/** A compiled model: step(x, y) → loss and gradients, with buffers reused between calls. */
export class NativeTrainingPlan {
  private readonly schedules = new Map<string, Schedule>();
  private readonly spare = new SpareBuffers();
  private readonly grads = new Map<Var, Float32Array>();
  private compiled!: Compiled;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly addon: NativeAddon,
  ) {}

  /** The plan of `model`, or null when some layer or wiring is not covered (see the header). */
  static compile(model: tf.LayersModel): NativeTrainingPlan | null {
    const load = loadNativeAddon();
    if (!load.ok) return null;
    const plan = new NativeTrainingPlan(model, load.addon);
    const compiled = compile(model, load.addon, (v) => plan.gradOf(v as Var));
    if (!compiled) return null;
    plan.compiled = compiled;
    // Bind once to the model's declared input (batch 1) so an unsupported geometry means no
    // plan now rather than an error in the middle of a run.
    const declared = model.inputs[0]!.shape.slice(1);
    if (declared.some((d) => d == null)) return null;
    try {
      plan.schedule([1, ...(declared as number[])]);
    } catch {
      return null;
    }
    return plan;
  }

  private gradOf(v: Var): Float32Array {
    let g = this.grads.get(v);
    if (!g) this.grads.set(v, (g = new Float32Array(v.read().size)));
    return g;
  }

  private schedule(inShape: Shape): Schedule {
    const key = inShape.join('x');
    let schedule = this.schedules.get(key);
    if (!schedule) {
      const shapes: Shape[] = [];
      const bound = this.compiled.steps.map((s, i) => {
        const b = s.bind(i === 0 ? [inShape] : s.inputs.map((j) => shapes[j]!));
        shapes.push(b.shape);
        return i === 0 ? null : b;
      });
      schedule = { shapes, bound };
      this.schedules.set(key, schedule);
    }
    return schedule;
  }

  /**
   * Forward in training mode (moving statistics updated), BCE + Dice against `y` (weighted by
   * `weights`), backward. x: float32 NHWC images, y: 0/1 masks of the output's shape, both on
   * the native backend. The returned gradient arrays are overwritten by the next step.
   */
  step(x: tf.Tensor, y: tf.Tensor, weights: LossWeights = REFERENCE_LOSS_WEIGHTS): TrainingStepResult {
    const { steps, output, needsGrad } = this.compiled;
    const { shapes, bound } = this.schedule(x.shape);
    if (!tf.util.arraysEqual(shapes[output]!, y.shape)) {
      throw new Error(`native training plan: the model outputs [${shapes[output]}] but the masks are [${y.shape}]`);
    }
    const outs: Float32Array[] = new Array(steps.length);
    outs[0] = values(x);
    const inputsOf = (i: number) => steps[i]!.inputs.map((j) => outs[j]!);
    for (let i = 1; i <= output; i++) {
      outs[i] = this.spare.take(size(shapes[i]!));
      bound[i]!.forward(inputsOf(i), outs[i]!);
    }

    const dOut: (Float32Array | undefined)[] = new Array(steps.length);
    const dp = this.spare.take(outs[output]!.length);
    const loss = bceDiceWithGradient(outs[output]!, values(y), x.shape[0]!, dp, weights);
    dOut[output] = dp;
    for (let i = output; i >= 1; i--) {
      const dy = dOut[i];
      if (dy) {
        const ins = steps[i]!.inputs;
        const dIns = ins.map((j) => (needsGrad[j] ? this.spare.take(size(shapes[j]!)) : null));
        bound[i]!.backward(dy, inputsOf(i), outs[i]!, dIns);
        this.spare.give(dy);
        dIns.forEach((d, k) => {
          if (!d) return;
          const j = ins[k]!;
          const acc = dOut[j];
          if (acc) {
            // An output read by several layers (a skip connection) sums their gradients.
            this.addon.binary(BINARY_OP.Add, acc, shapes[j]!, d, shapes[j]!, acc, shapes[j]!);
            this.spare.give(d);
          } else {
            dOut[j] = d;
          }
        });
      }
      // Every reader of this output (all later steps) has run its backward: reuse the storage.
      this.spare.give(outs[i]!);
    }
    const gradients = (this.model.trainableWeights as unknown as Var[]).map((w) => {
      const v = w.read() as tf.Variable;
      return { name: v.name, shape: v.shape, values: this.gradOf(w) };
    });
    return { ...loss, gradients };
  }

  /** Drops the buffers kept for reuse (after a run; the next step allocates again). */
  releaseBuffers(): void {
    this.spare.clear();
  }
}

const plans = new WeakMap<tf.LayersModel, NativeTrainingPlan | null>();

/**
 * The model's training plan when the 'native' backend is active and the model compiles
 * (SEG_STUDIO_NATIVE_PLAN=0 turns plans off), else null: train with tfjs' gradients.
 */
export function trainingPlanFor(model: tf.LayersModel): NativeTrainingPlan | null {
  return plansEnabled() ? cachedPlan(plans, model, (m) => NativeTrainingPlan.compile(m)) : null;
}
