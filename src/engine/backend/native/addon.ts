// Loads the compiled Node-API addon (native/build/Release/seg_native.node) and describes its
// functions. Every function is synchronous and writes into caller-allocated Float32Arrays.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  setThreads(n: number): number;
  /** glibc mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD); true when both were accepted. */
  tuneAllocator(mmapThresholdBytes: number, trimThresholdBytes: number): boolean;
  info(): { dnnlVersion: string; dnnlCpuRuntime: string; threads: number; compiler: string };
  convImplName(): string;
  convForward(
    x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array,
    xShape: number[], wShape: number[], yShape: number[], strides: number[], pads: number[], dilations: number[],
    activation: number, alpha: number,
    /** Per-output-channel y = y*scale + shift before the activation (both or neither). */
    scale: Float32Array | null, shift: Float32Array | null,
  ): void;
  convBackwardData(
    dy: Float32Array, w: Float32Array, dx: Float32Array,
    xShape: number[], wShape: number[], yShape: number[], strides: number[], pads: number[], dilations: number[],
  ): void;
  convBackwardWeights(
    x: Float32Array, dy: Float32Array, dw: Float32Array,
    xShape: number[], wShape: number[], yShape: number[], strides: number[], pads: number[], dilations: number[],
  ): void;
  binary(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], out: Float32Array, outShape: number[]): void;
  unary(op: number, x: Float32Array, y: Float32Array, param: number): void;
  addN(inputs: Float32Array[], out: Float32Array): void;
  /** out = lo <= x <= hi ? dy : 0 (gradient of clipByValue). */
  clipGrad(dy: Float32Array, x: Float32Array, out: Float32Array, lo: number, hi: number): void;
  /** Returns false when the axes do not collapse to [kept, reduced, kept]; the caller falls back. */
  reduce(op: number, x: Float32Array, xShape: number[], axes: number[], out: Float32Array): boolean;
  maxPool(x: Float32Array, y: Float32Array, xShape: number[], yShape: number[], kernel: number[], strides: number[], pads: number[]): void;
  maxPoolGrad(
    dy: Float32Array, x: Float32Array, dx: Float32Array, xShape: number[], yShape: number[],
    kernel: number[], strides: number[], pads: number[],
  ): void;
  batchNormApply(
    x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null,
    eps: number, y: Float32Array, channels: number,
  ): void;
  batchNormGradSums(x: Float32Array, dy: Float32Array, mean: Float32Array, channels: number, sumDy: Float32Array, sumDyXc: Float32Array): void;
  /** relu: y = max(0, batchnorm(x)), the BN+ReLU pair in one pass. */
  batchNormTrain(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, channels: number,
    y: Float32Array, mean: Float32Array, variance: Float32Array, relu: 0 | 1,
  ): void;
  /** Full backward of batchNormTrain; y (its ReLU output) masks dy when given. */
  batchNormTrainGrad(
    x: Float32Array, dy: Float32Array, y: Float32Array | null, mean: Float32Array, variance: Float32Array,
    gamma: Float32Array, eps: number, channels: number, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
  concat(inputs: Float32Array[], innerSizes: number[], outer: number, out: Float32Array): void;
  slice(x: Float32Array, xShape: number[], begin: number[], size: number[], out: Float32Array): void;
  tile(x: Float32Array, xShape: number[], reps: number[], out: Float32Array): void;
  /** Constant padding of every axis (before[i] / after[i] elements), the PadV2 kernel. */
  pad(x: Float32Array, xShape: number[], before: number[], after: number[], value: number, out: Float32Array): void;
  /**
   * Fused Adam step over all variables at once. Outputs may be the inputs themselves (in place).
   * hyper: [lr, beta1, 1-beta1, beta2, 1-beta2, epsilon, 1-beta1^t, 1-beta2^t], optionally
   * followed by one decoupled weight-decay factor (1 - lr*wd, or 1) per variable.
   */
  adamUpdate(
    w: Float32Array[], g: Float32Array[], m: Float32Array[], v: Float32Array[],
    wOut: Float32Array[], mOut: Float32Array[], vOut: Float32Array[], hyper: Float64Array,
  ): void;
}

/** Where the addon is looked for: SEG_STUDIO_NATIVE_PATH, else <repo>/native/build/Release. */
export function nativeAddonPath(): string {
  const fromEnv = process.env.SEG_STUDIO_NATIVE_PATH;
  if (fromEnv) return resolve(fromEnv);
  // The repository root is the nearest folder above this module holding native/binding.gyp: this
  // file runs from src/engine/backend/native/ (sources), out/cli/<build>/ (the CLI bundle) or
  // out/main/ (Electron's bundles), each at its own depth.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 8 && !existsSync(join(dir, 'native', 'binding.gyp')); up++) dir = dirname(dir);
  return join(dir, 'native', 'build', 'Release', 'seg_native.node');
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string; path: string };

let cached: AddonLoad | undefined;

/** Loads the addon once; never throws (a missing or broken build is reported as a reason). */
export function loadNativeAddon(): AddonLoad {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    cached = { ok: false, path, reason: `native addon not built (${path} missing); run \`npm rebuild\` with libdnnl-dev installed` };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = { ok: true, path, addon: require(path) as NativeAddon };
  } catch (err) {
    cached = { ok: false, path, reason: `native addon failed to load: ${(err as Error).message}` };
  }
  return cached;
}
