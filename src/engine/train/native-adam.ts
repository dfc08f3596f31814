// Fused Adam step for the 'native' backend: one addon call updates every variable and its
// first/second moments in one pass each, instead of tfjs-core's ~13 tensor ops per variable
// (each allocating a full-size tensor). That was ~1,000 kernel calls per UNet step and ~1 s of
// ResNet34-UNet's step (docs/speed.md).
//
// State stays where tfjs' AdamOptimizer keeps it (accumulatedFirstMoment/SecondMoment entries
// named `${var}/m` and `${var}/v`, accBeta1/accBeta2, the iteration count), so getWeights(),
// setWeights(), dispose() and checkpoints are the inherited ones and both paths can alternate
// (e.g. a run resumed on another backend).
//
// This module imports no Node built-ins: the optimizer is also used where the addon cannot
// exist (browser). The native backend hands the addon in via installNativeAdam() when it
// registers.
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { decayFactor, isDecayed } from './weight-decay';

/** The one addon function this module needs (see native/src/adam.cc). */
export interface NativeAdamKernel {
  adamUpdate(
    w: Float32Array[], g: Float32Array[], m: Float32Array[], v: Float32Array[],
    wOut: Float32Array[], mOut: Float32Array[], vOut: Float32Array[], hyper: Float64Array,
  ): void;
}

let kernel: NativeAdamKernel | undefined;
let backendName = 'native';

/** Called by the native backend's registration; until then every step uses tfjs-core's Adam. */
export function installNativeAdam(k: NativeAdamKernel, backend = 'native'): void {
  kernel = k;
  backendName = backend;
}

/** SEG_STUDIO_NATIVE_ADAM=0 keeps tfjs-core's composed Adam on the native backend (A/B runs). */
function enabled(): boolean {
  const env = typeof process !== 'undefined' ? process.env?.SEG_STUDIO_NATIVE_ADAM : undefined;
  return kernel !== undefined && env !== '0' && tf.getBackend() === backendName;
}

interface MomentEntry {
  originalName: string;
  variable: tf.Variable;
}

/**
 * The AdamOptimizer fields tfjs declares private. They are plain properties at runtime and the
 * same ones its applyGradients/getWeights/setWeights use, which is what keeps checkpoints
 * interchangeable between this path and the inherited one.
 */
export interface AdamState {
  accumulatedFirstMoment: MomentEntry[];
  accumulatedSecondMoment: MomentEntry[];
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay (weight-decay.ts); 0 = plain Adam, the addon's 8-number call. */
  weightDecay: number;
}

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** Storage of a float32 tensor on the CPU-derived backend, or null for anything else. */
function storage(backend: MathBackendCPU, t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : null;
}

/**
 * Where to write a variable's new value: its own storage when no other tensor holds the same
 * data (refCount 1: then nobody can observe the in-place write, as with assign()), otherwise a
 * fresh array that is assigned afterwards, so a tensor sharing the old data (a checkpoint's
 * restored moment, a kept reshape of a weight) keeps its values exactly as tfjs-core would.
 */
function target(backend: MathBackendCPU, v: tf.Variable, values: Float32Array, fresh: Array<[tf.Variable, Float32Array]>): Float32Array {
  if (backend.refCount(v.dataId) === 1) return values;
  const out = new Float32Array(values.length);
  fresh.push([v, out]);
  return out;
}

/**
 * One Adam step over all given gradients on the native backend. Returns false (having changed
 * nothing but, like tfjs, possibly created zero moments) when the native path does not apply:
 * not on the native backend, no addon, or a non-float32 variable; the caller then runs
 * tfjs-core's update. The caller increments the iteration count.
 */
export function nativeAdamStep(state: AdamState, hyper: AdamHyper, variableGradients: Gradients): boolean {
  if (!enabled()) return false;
  const backend = tf.backend() as MathBackendCPU;
  const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  const registered = tf.engine().registeredVariables;
  const w: Float32Array[] = [], g: Float32Array[] = [], m: Float32Array[] = [], v: Float32Array[] = [];
  const vars: tf.Variable[] = [], firsts: tf.Variable[] = [], seconds: tf.Variable[] = [];
  const keep: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = registered[name];
    if (!value) return false;
    // Moments are created lazily per position, exactly as tfjs-core does (zeros, not trainable).
    state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    const grad = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
    if (grad == null) continue;
    const first = state.accumulatedFirstMoment[i]!.variable, second = state.accumulatedSecondMoment[i]!.variable;
    const sv = [value, grad, first, second].map((t) => storage(backend, t));
    if (sv.some((s) => s === null) || sv.some((s) => s!.length !== sv[0]!.length)) return false;
    w.push(sv[0]!);
    g.push(sv[1]!);
    m.push(sv[2]!);
    v.push(sv[3]!);
    vars.push(value);
    keep.push(isDecayed(value.shape) ? decayFactor(hyper.learningRate, hyper.weightDecay) : 1);
    firsts.push(first);
    seconds.push(second);
  }
  // tfjs keeps β^t as float32 variables and computes 1 − β^t in float32: same values here.
  const acc1 = state.accBeta1.dataSync()[0]!, acc2 = state.accBeta2.dataSync()[0]!;
  const hyperArr = new Float64Array([
    hyper.learningRate, hyper.beta1, 1 - hyper.beta1, hyper.beta2, 1 - hyper.beta2, hyper.epsilon,
    Math.fround(1 - acc1), Math.fround(1 - acc2),
    // One factor per variable only with decay: plain Adam makes exactly the call it made before.
    ...(hyper.weightDecay > 0 ? keep : []),
  ]);
  const fresh: Array<[tf.Variable, Float32Array]> = [];
  const wOut = vars.map((t, k) => target(backend, t, w[k]!, fresh));
  const mOut = firsts.map((t, k) => target(backend, t, m[k]!, fresh));
  const vOut = seconds.map((t, k) => target(backend, t, v[k]!, fresh));
  try {
    kernel!.adamUpdate(w, g, m, v, wOut, mOut, vOut, hyperArr);
  } catch (err) {
    // An addon built before weight decay checks its arguments first and changes nothing.
    if (hyper.weightDecay > 0 && /8 hyper-parameters expected/.test((err as Error).message) && !/weight-decay factor/.test((err as Error).message)) {
      throw new Error('the native addon predates weight decay: rebuild it (node scripts/build-native.mjs, or npm rebuild), or train with SEG_STUDIO_NATIVE_ADAM=0');
    }
    throw err;
  }
  tf.tidy(() => {
    for (const [variable, values] of fresh) variable.assign(tf.tensor(values, variable.shape, 'float32'));
    state.accBeta1.assign(tf.mul(state.accBeta1, hyper.beta1));
    state.accBeta2.assign(tf.mul(state.accBeta2, hyper.beta2));
  });
  return true;
}
