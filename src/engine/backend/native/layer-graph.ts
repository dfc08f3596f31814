// What the compiled plans (inference-plan.ts, training-plan.ts) read off a
// tfjs-layers model: its layers as plain objects (class name, wiring, configuration fields,
// variables) and the float32 storage of tensors on the 'native' backend. tfjs-layers does not
// export these fields in its types; they are the runtime properties its own layers use.
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export interface Var {
  read(): tf.Tensor;
}
export interface LayerNode {
  inboundLayers: Layer[];
  tensorIndices: number[];
}
export interface Layer {
  name: string;
  trainable: boolean;
  getClassName(): string;
  inboundNodes: LayerNode[];
  outboundNodes: { outboundLayer: Layer }[];
  [key: string]: unknown;
}

export type Shape = number[];

/** The storage of a float32 tensor held by the CPU-derived backend (no copy). */
export function values(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as MathBackendCPU;
  const v = backend.data.get(t.dataId)?.values;
  if (!(v instanceof Float32Array)) throw new Error('native plan: float32 tensors on the native backend expected');
  return v;
}

/** A layer variable's current values, or null when the layer has none (e.g. no bias). */
export const read = (v: unknown): Float32Array | null => (v ? values((v as Var).read()) : null);
export const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

export const activationName = (layer: Layer) =>
  (layer.activation as { getClassName(): string } | undefined)?.getClassName().toLowerCase() ?? 'linear';

/** The one layer reading this layer's output, when there is exactly one (and one call). */
export function soleConsumer<C>(layer: { inboundNodes: unknown[]; outboundNodes: { outboundLayer: C }[] }): C | null {
  if (layer.inboundNodes.length !== 1 || layer.outboundNodes.length !== 1) return null;
  return layer.outboundNodes[0]!.outboundLayer;
}

export function isBatchNorm(layer: Layer | null): boolean {
  return layer !== null && layer.getClassName() === 'BatchNormalization' && (layer.axis === -1 || layer.axis === 3);
}

/** 'relu' / 'sigmoid' for a plain activation layer, else null. */
export function activationOf(layer: Layer | null): 'relu' | 'sigmoid' | null {
  if (!layer) return null;
  if (layer.getClassName() === 'ReLU') return layer.maxValue == null ? 'relu' : null;
  if (layer.getClassName() === 'Activation') {
    const name = activationName(layer);
    return name === 'relu' || name === 'sigmoid' ? name : null;
  }
  return null;
}

export function pair(v: unknown): [number, number] {
  return Array.isArray(v) ? [v[0] as number, (v[1] ?? v[0]) as number] : [v as number, v as number];
}

/** Output size of a transposed convolution along one axis (tfjs-layers' deconvLength). */
export function transposedLength(padding: unknown, length: number, stride: number, kernel: number): number {
  return padding === 'valid' ? length * stride + Math.max(kernel - stride, 0) : length * stride;
}

/** Records the step computing `layer`, and the layers fused into it (whose own turn is then skipped). */
export type AddStep<S> = (layer: Layer, step: S, fused?: (Layer | null)[]) => void;

/**
 * The plans' walk over a model: its layers in order, each visited with the step indices of its
 * inputs; `visit` adds the layer's step (maybe fusing later layers into it) and returns false
 * for a layer it does not cover. Null for several inputs or outputs, shared layers, a layer
 * reading a second output of another, channels-first data, a refused layer, or a graph not in
 * topological order. Step 0 is the model input.
 */
export function buildSteps<S>(
  model: tf.LayersModel, inputStep: S, visit: (layer: Layer, inputs: number[], add: AddStep<S>) => boolean,
): { steps: S[]; output: number } | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const steps: S[] = [];
  const stepOf = new Map<Layer, number>();
  const absorbed = new Set<Layer>();
  const add: AddStep<S> = (layer, step, fused = []) => {
    steps.push(step);
    stepOf.set(layer, steps.length - 1);
    for (const l of fused) {
      if (!l) continue;
      absorbed.add(l);
      stepOf.set(l, steps.length - 1);
    }
  };
  for (const layer of model.layers as unknown as Layer[]) {
    if (absorbed.has(layer)) continue;
    if (layer.inboundNodes.length !== 1) return null; // shared layers
    if (layer.getClassName() === 'InputLayer') {
      if (steps.length !== 0) return null;
      add(layer, inputStep);
      continue;
    }
    const node = layer.inboundNodes[0]!;
    if (node.tensorIndices.some((i) => i !== 0)) return null;
    const inputs = node.inboundLayers.map((l) => stepOf.get(l));
    if (inputs.some((i) => i === undefined)) return null; // not in topological order
    if (layer.dataFormat !== undefined && layer.dataFormat !== 'channelsLast') return null;
    if (!visit(layer, inputs as number[], add)) return null;
  }
  const outLayer = (model.outputLayers as unknown as Layer[])[0];
  const output = outLayer ? stepOf.get(outLayer) : undefined;
  if (output === undefined || steps.length < 2) return null;
  return { steps, output };
}
