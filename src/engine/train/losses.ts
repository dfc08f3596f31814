// The reference training loss, BCE + soft Dice, on probabilities (the models end in a sigmoid),
// as `bce_dice` in shared/reference/torch_unet_bench.py, and its weighted form
// bceWeight·BCE + diceWeight·DiceLoss (run config; 1 and 1 is the reference).
import * as tf from '@tensorflow/tfjs';
import { sumPerImage } from './metrics';

// The metric lived here first; re-exported so existing importers keep working.
export { DatasetDice, diceScore, diceScorePerImage } from './metrics';

/**
 * Probabilities are clipped to [1e-7, 1 − 1e-7] before the log (Keras' convention), so a
 * confidently wrong pixel costs at most −log(1e-7) ≈ 16.1. PyTorch's binary_cross_entropy
 * instead clamps each log at −100; the two agree for every p in [1e-7, 1 − 1e-7] and differ only
 * for saturated pixels. Clamping the log is not usable here: a sigmoid that underflows to exactly
 * 0 gives log'(0) = ∞ and 0·∞ = NaN in the gradient, which the clip avoids.
 */
export const BCE_CLIP = 1e-7;
/** Smoothing of the soft Dice ratio, as in the reference (keeps empty masks finite: 1 − ε/ε = 0). */
export const DICE_EPS = 1e-6;

/** Mean binary cross-entropy over every pixel of the batch. */
export function bceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, BCE_CLIP, 1 - BCE_CLIP);
    const ll = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
    return tf.neg(tf.mean(ll)) as tf.Scalar;
  });
}

/** 1 − mean over images of (2Σyp + ε) / (Σy + Σp + ε): the soft Dice loss. */
export function diceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const inter = sumPerImage(tf.mul(yTrue, yPred));
    const den = tf.add(sumPerImage(yTrue), sumPerImage(yPred));
    const dice = tf.div(tf.add(tf.mul(inter, 2), DICE_EPS), tf.add(den, DICE_EPS));
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

/** The weights of the two terms in the minimised loss. */
export interface LossWeights {
  bce: number;
  dice: number;
}

/** The reference recipe: BCE + Dice loss. */
export const REFERENCE_LOSS_WEIGHTS: LossWeights = Object.freeze({ bce: 1, dice: 1 });

export function lossWeightsOf(config: { bceWeight: number; diceWeight: number }): LossWeights {
  return { bce: config.bceWeight, dice: config.diceWeight };
}

/**
 * bce·w.bce + diceLoss·w.dice. A weight of 1 multiplies nothing: the reference weights leave the
 * graph (and so every value and gradient) exactly what it was before loss weights existed.
 */
export function weightedLoss(bce: tf.Scalar, diceLoss: tf.Scalar, w: LossWeights = REFERENCE_LOSS_WEIGHTS): tf.Scalar {
  return tf.tidy(() => {
    const term = (t: tf.Scalar, k: number) => (k === 1 ? t : tf.mul(t, k));
    return tf.add(term(bce, w.bce), term(diceLoss, w.dice)) as tf.Scalar;
  });
}

/** The two terms and their sum, computed once, for logging alongside the optimised value. */
export interface BceDiceParts {
  loss: tf.Scalar;
  bce: tf.Scalar;
  diceLoss: tf.Scalar;
}

export function bceDiceLossParts(yTrue: tf.Tensor, yPred: tf.Tensor, weights: LossWeights = REFERENCE_LOSS_WEIGHTS): BceDiceParts {
  return tf.tidy(() => {
    const bce = bceLoss(yTrue, yPred);
    const dice = diceLoss(yTrue, yPred);
    return { loss: weightedLoss(bce, dice, weights), bce, diceLoss: dice };
  });
}

/** (Weighted) BCE + soft Dice: the scalar the optimiser minimises. */
export function bceDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, weights: LossWeights = REFERENCE_LOSS_WEIGHTS): tf.Scalar {
  return tf.tidy(() => weightedLoss(bceLoss(yTrue, yPred), diceLoss(yTrue, yPred), weights));
}
