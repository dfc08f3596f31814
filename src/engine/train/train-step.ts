// One optimisation step on a batch: forward in training mode, (weighted) BCE + Dice, gradients of every
// trainable weight, Adam. On the 'native' backend a compiled training plan computes the loss and
// gradients without tfjs' engine (backend/native/training-plan.ts); everywhere else, or for a
// model the plan does not cover, tfjs computes them (variableGrads). Both hand the gradients
// to the same optimizer, so its state and checkpoints do not depend on the path.
import * as tf from '@tensorflow/tfjs';

import { trainingPlanFor } from '../backend/native';
import { lossParts } from './loss-parts';
import { REFERENCE_LOSS_WEIGHTS, weightedLoss, type LossWeights } from './losses';
import type { ScheduledAdam } from './optimizer';

export interface TrainStepOutput {
  /** weights.bce·bce + weights.dice·diceLoss: the minimised value. */
  loss: tf.Scalar;
  /** [bce, diceLoss, dice score] of the batch (unweighted: what a run reports). */
  parts: tf.Tensor1D;
}

type Gradients = Parameters<ScheduledAdam['applyGradients']>[0];

/** Runs one step and returns the loss tensors (the caller disposes them). */
export function trainStep(
  model: tf.LayersModel, optimizer: ScheduledAdam, x: tf.Tensor4D, y: tf.Tensor4D, weights: LossWeights = REFERENCE_LOSS_WEIGHTS,
): TrainStepOutput {
  const plan = trainingPlanFor(model);
  if (plan) {
    const r = plan.step(x, y, weights);
    // Wrapping the plan's gradient arrays in tensors copies nothing; they are disposed right after.
    const grads: Record<string, tf.Tensor> = {};
    for (const g of r.gradients) grads[g.name] = tf.tensor(g.values, g.shape, 'float32');
    optimizer.applyGradients(grads as Gradients);
    tf.dispose(Object.values(grads));
    // (×1 is exact: the reference weights report the sum as before.)
    return { loss: tf.scalar(weights.bce * r.bce + weights.dice * r.diceLoss), parts: tf.tensor1d([r.bce, r.diceLoss, r.dice]) };
  }
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let parts: tf.Tensor1D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const pred = model.apply(x, { training: true }) as tf.Tensor4D;
    const p = lossParts(y, pred);
    parts = tf.keep(tf.stack([p.bce, p.diceLoss, p.dice]) as tf.Tensor1D);
    return weightedLoss(p.bce, p.diceLoss, weights);
  }, trainable);
  optimizer.applyGradients(grads as unknown as Gradients);
  tf.dispose(grads);
  return { loss: value, parts: parts! };
}
