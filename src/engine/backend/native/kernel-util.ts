// Shared plumbing for the native kernels: typed access to the CPU backend's data, output
// allocation, and the "native or fall back" kernel shape.
import type { DataType, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import type { NativeAddon } from './addon';
import { takeFloat32 } from './cpu-backend';

export interface NativeKernelArgs {
  inputs: Record<string, TensorInfo | TensorInfo[] | undefined | null>;
  backend: MathBackendCPU;
  attrs: NamedAttrMap;
}

/**
 * A native kernel returns null when it does not handle the case (non-float32 dtype, a layout it
 * does not implement); the backend then runs the reference CPU kernel with the same arguments.
 */
export type NativeImpl = (args: NativeKernelArgs, addon: NativeAddon) => TensorInfo | TensorInfo[] | null;

export interface NativeKernel {
  kernelName: string;
  impl: NativeImpl;
}

/** The float32 storage of a tensor on the CPU-derived backend, or null if it is anything else. */
export function f32(backend: MathBackendCPU, t: TensorInfo | TensorInfo[] | undefined | null): Float32Array | null {
  if (!t || Array.isArray(t) || t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : null;
}

export function tensorInput(args: NativeKernelArgs, name: string): TensorInfo | null {
  const t = args.inputs[name];
  return t && !Array.isArray(t) ? t : null;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Takes float32 output storage (reused, so not zeroed: `fill` must write every element), lets
 * `fill` write it, and registers it with the backend.
 */
export function output(backend: MathBackendCPU, shape: number[], fill: (out: Float32Array) => void): TensorInfo {
  const values = takeFloat32(backend, sizeOf(shape));
  fill(values);
  return backend.makeTensorInfo(shape, 'float32' as DataType, values);
}

export function pair(v: number | number[] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0] ?? dflt, v[1] ?? v[0] ?? dflt];
}

/** AddN and Concat receive their inputs as an array rather than a named map. */
export function listInputs(inputs: NativeKernelArgs['inputs']): TensorInfo[] {
  const list = Array.isArray(inputs) ? (inputs as unknown[]) : Object.values(inputs);
  return list.filter((t): t is TensorInfo => t != null && !Array.isArray(t));
}
