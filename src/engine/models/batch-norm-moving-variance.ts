// PyTorch's BatchNorm moves its running variance toward the UNBIASED batch variance (× n/(n−1),
// n = batch·H·W values per channel); tfjs-layers toward the biased one. Normalisation in training,
// the gradients and the running mean agree either way, but a trained model's eval-mode statistics
// would drift from the reference's (1.6 % at the ResNet34-UNet bottleneck, 256², batch 4). The
// reference is PyTorch (tests/torch-parity.test.ts), so the studio follows it on every backend:
// the native backend's training batch norm applies the factor itself (native/batchnorm-train.ts);
// on the others, tfjs-layers' own call runs and its biased update is topped up here.
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs';

/** n/(n−1) for n values per channel; 1 where n ≤ 1 (PyTorch refuses that case in training). */
export function besselFactor(valuesPerChannel: number): number {
  return valuesPerChannel > 1 ? valuesPerChannel / (valuesPerChannel - 1) : 1;
}

interface LayerVar { read(): Tensor; write(v: Tensor): void }
export interface MovingVarianceLayer {
  axis: number;
  momentum: number;
  movingVariance: LayerVar;
}
type CallFn = (this: MovingVarianceLayer, inputs: Tensor | Tensor[], kwargs: Record<string, unknown>) => Tensor | Tensor[];

/**
 * After tfjs-layers' training-mode call moved the variance by (1 − momentum)·(v − var), adds
 * (1 − momentum)·var/(n − 1): the same as moving toward var·n/(n − 1). Recomputes the batch
 * variance (the layer does not hand it out): one extra reduction, off the gradient path.
 */
export function topUpMovingVariance(layer: MovingVarianceLayer, input: Tensor): void {
  const rank = input.rank;
  const axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
  const channels = input.shape[axis]!;
  const n = input.size / channels;
  if (n <= 1) return;
  tf.tidy(() => {
    const axes = [...Array(rank).keys()].filter((a) => a !== axis);
    const { variance } = tf.moments(input, axes);
    const v = layer.movingVariance.read();
    layer.movingVariance.write(tf.add(v, tf.mul(tf.reshape(variance, v.shape), (1 - layer.momentum) / (n - 1))));
  });
}

const PATCHED = Symbol.for('seg-studio.training-batch-norm');

/** The BatchNormalization prototype, and whether one of the studio's patches already owns it. */
export function batchNormPrototype(): { proto: { call: CallFn; [PATCHED]?: boolean }; patched: boolean } {
  const proto = Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: CallFn; [PATCHED]?: boolean };
  return { proto, patched: proto[PATCHED] === true };
}

export function markBatchNormPatched(proto: { [PATCHED]?: boolean }): void {
  proto[PATCHED] = true;
}

/** For backends other than native (which installs its own, fused, patch first when it loads). */
export function installUnbiasedMovingVariance(): void {
  const { proto, patched } = batchNormPrototype();
  if (patched) return;
  markBatchNormPatched(proto);
  const original = proto.call;
  proto.call = function (this: MovingVarianceLayer, inputs, kwargs) {
    const out = original.call(this, inputs, kwargs);
    if (kwargs?.training) topUpMovingVariance(this, Array.isArray(inputs) ? inputs[0]! : inputs);
    return out;
  };
}
