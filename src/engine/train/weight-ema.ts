// An exponential moving average of the model's weights (run config `emaDecay`): after every
// optimizer step ema ← d·ema + (1−d)·w. Validation, the `best` checkpoint and the test score use
// the averaged weights (swapped into the model for the evaluation, then swapped back), so the
// optimizer keeps training the raw weights; the `last` checkpoint carries both.
//
// What is averaged: every weight of the model, the batch-norm moving mean and variance included
// (as timm's ModelEmaV2 and torch.optim.swa_utils.AveragedModel(use_buffers=True) do). The
// moving statistics are themselves an average over recent batches of the *raw* network's
// activations; averaging them alongside the weights keeps them from the same window of training
// as the averaged filters they normalise. Measured (scripts/measure-ema.ts, cpu-quick on the mini
// set, seed 42): copying the raw statistics instead scored the same within noise (test Dice 0.828
// vs 0.830 after 85 epochs, ±0.01 either way on the way), so the usual choice stays.
//
// The decay warms up, d_t = min(d, (1 + t)/(10 + t)) with t the updates already made (TF's
// ExponentialMovingAverage with num_updates, timm's ModelEma warm-up): our runs are a few hundred
// steps, and a fixed d = 0.999 would still hold 0.999^300 ≈ 74% of the random initialisation at
// the end. Measured the same way: without it a 0.99 average scored test Dice 0.12 after 130 steps
// and 0.62 after 195 (a 15-epoch run), 0.999 still 0.04 after 1,105; with it the average is never
// below the raw weights' score by more than noise. (Until t = (10d − 1)/(1 − d) steps, 891 for
// 0.99, every decay gives the same average, one whose weights lag the raw ones by about t/9 steps.)
// SEG_STUDIO_EMA_WARMUP=0 turns it off for A/B runs; a checkpoint records which was used.
//
// Where the average lives: on the 'native' and 'cpu' backends the weights are Float32Arrays in
// this process (dataSync() hands out the storage itself, no copy), so the average is a plain
// Float32Array per weight updated by one loop (2–4 ns a float: 8 ms a step for UNet-16, 0.1 s for
// UNet-64's 31 M floats, under 0.5% of either's training step). On the other backends
// (webgpu, wasm, tensorflow) it stays on the device as tf variables updated by two tfjs ops, so a
// step never waits on a read back of the weights.
import * as tf from '@tensorflow/tfjs';

/** Backends whose tensor storage is a Float32Array in this process. */
const HOST_BACKENDS = new Set(['native', 'cpu']);

/** The decay used for the update after `updates` earlier ones. */
export function emaDecayAt(decay: number, updates: number, warmup: boolean): number {
  return warmup ? Math.min(decay, (1 + updates) / (10 + updates)) : decay;
}

/** Whether new averages warm their decay up (SEG_STUDIO_EMA_WARMUP=0: no). */
export function emaWarmupDefault(): boolean {
  const env = typeof process !== 'undefined' ? process.env?.SEG_STUDIO_EMA_WARMUP : undefined;
  return env !== '0';
}

/** One averaged weight, in the order of model.weights. */
export interface EmaWeight {
  /** The weight's name in the saved model (LayerVariable.originalName, e.g. "conv2d_1/kernel"). */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** The whole average, as saved with the `last` checkpoint. */
export interface EmaState {
  decay: number;
  /** Updates made so far (the warm-up's t). */
  updates: number;
  warmup: boolean;
  weights: EmaWeight[];
}

type Where = 'host' | 'device';

export class WeightEma {
  private constructor(
    readonly decay: number,
    readonly warmup: boolean,
    private updateCount: number,
    private readonly vars: tf.LayerVariable[],
    private readonly host: Float32Array[] | null,
    private readonly device: tf.Variable[] | null,
  ) {}

  private static where(option?: Where): Where {
    return option ?? (HOST_BACKENDS.has(tf.getBackend()) ? 'host' : 'device');
  }

  /** An average that starts at the model's current weights (the start of training). */
  static start(model: tf.LayersModel, decay: number, opts: { warmup?: boolean; where?: Where } = {}): WeightEma {
    checkDecay(decay);
    const vars = floatWeights(model);
    const where = WeightEma.where(opts.where);
    const host = where === 'host' ? vars.map((v) => Float32Array.from(v.read().dataSync() as Float32Array)) : null;
    const device = where === 'device' ? vars.map((v) => tf.variable(v.read(), false)) : null;
    return new WeightEma(decay, opts.warmup ?? emaWarmupDefault(), 0, vars, host, device);
  }

  /**
   * The average saved with a checkpoint, for the same model (matched by name and shape; `from`
   * names the checkpoint in the error). `decay` is the run's, which a resume may change.
   */
  static restore(model: tf.LayersModel, state: EmaState, decay: number, from: string, opts: { where?: Where } = {}): WeightEma {
    checkDecay(decay);
    const vars = floatWeights(model);
    if (state.weights.length !== vars.length) {
      throw new Error(`${from}: the saved weight average has ${state.weights.length} weights; the model has ${vars.length}`);
    }
    vars.forEach((v, i) => {
      const w = state.weights[i]!;
      if (w.name !== v.originalName || !tf.util.arraysEqual(w.shape, v.read().shape)) {
        throw new Error(`${from}: the saved weight average's weight ${i} is ${w.name} [${w.shape}]; the model's is ${v.originalName} [${v.shape}]`);
      }
    });
    const where = WeightEma.where(opts.where);
    const host = where === 'host' ? state.weights.map((w) => Float32Array.from(w.values)) : null;
    const device = where === 'device' ? state.weights.map((w) => tf.variable(tf.tensor(w.values, w.shape, 'float32'), false)) : null;
    return new WeightEma(decay, state.warmup, state.updates, vars, host, device);
  }

  get updates(): number {
    return this.updateCount;
  }

  /** Folds the model's current weights in: call once after every optimizer step. */
  update(): void {
    const d = emaDecayAt(this.decay, this.updateCount, this.warmup);
    const c = 1 - d;
    if (this.host) {
      for (let k = 0; k < this.vars.length; k++) fold(this.host[k]!, this.vars[k]!.read().dataSync() as Float32Array, d, c);
    } else {
      tf.tidy(() => {
        this.vars.forEach((v, k) => {
          const e = this.device![k]!;
          e.assign(tf.add(tf.mul(e, d), tf.mul(v.read(), c)));
        });
      });
    }
    this.updateCount++;
  }

  /**
   * Puts the averaged weights into the model and returns the function that puts the raw ones
   * back exactly (the same storage: the raw tensors are only held aside, never copied).
   */
  swapIn(): () => void {
    const model = this.vars.map((v) => v.read() as tf.Variable);
    const raw = model.map((v) => tf.keep(tf.clone(v)));
    model.forEach((v, k) => {
      // A copy, so nothing that holds the model's weights can write into the average.
      const averaged = this.host ? tf.tensor(Float32Array.from(this.host[k]!), v.shape, 'float32') : tf.clone(this.device![k]!);
      v.assign(averaged);
      averaged.dispose();
    });
    return () => {
      model.forEach((v, k) => v.assign(raw[k]!));
      tf.dispose(raw);
    };
  }

  /** The average as plain arrays (a read back on device backends), for the `last` checkpoint. */
  async state(): Promise<EmaState> {
    const weights = await Promise.all(
      this.vars.map(async (v, k) => ({
        name: v.originalName,
        shape: [...v.read().shape],
        values: this.host ? this.host[k]! : ((await this.device![k]!.data()) as Float32Array),
      })),
    );
    return { decay: this.decay, updates: this.updateCount, warmup: this.warmup, weights };
  }

  dispose(): void {
    if (this.device) tf.dispose(this.device);
  }
}

/** e ← d·e + c·w, computed in double precision and stored as float32. A function of its own keeps the loop monomorphic for the JIT (~2 ns a float). */
function fold(e: Float32Array, w: Float32Array, d: number, c: number): void {
  for (let i = 0; i < e.length; i++) e[i] = d * e[i]! + c * w[i]!;
}

function checkDecay(decay: number): void {
  if (!(decay > 0 && decay < 1)) throw new Error(`weight average decay must be between 0 and 1 (got ${decay})`);
}

/** model.weights that hold floats: every trainable weight and the batch-norm moving statistics. */
function floatWeights(model: tf.LayersModel): tf.LayerVariable[] {
  return model.weights.filter((v) => v.dtype === 'float32');
}
