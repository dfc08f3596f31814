// The reference loss (BCE + Dice) and metric (Dice at threshold 0.5), on probabilities.
import * as tf from '@tensorflow/tfjs';

/** Probabilities are clipped before the log so a confident wrong pixel gives a large but finite
 * loss (PyTorch clamps log at −100 instead; both only differ for p within 1e-7 of 0 or 1). */
export const BCE_CLIP = 1e-7;
/** Smoothing of the soft Dice ratio, as in the reference (keeps empty masks finite). */
export const DICE_EPS = 1e-6;

function sumPerImage(t: tf.Tensor): tf.Tensor1D {
  const axes = t.shape.map((_, i) => i).slice(1);
  return tf.sum(t, axes) as tf.Tensor1D;
}

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

export function bceDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(bceLoss(yTrue, yPred), diceLoss(yTrue, yPred)) as tf.Scalar);
}

/** Per-image Dice of the thresholded prediction; an image where both masks are empty scores 1. */
export function diceScorePerImage(yTrue: tf.Tensor, yPred: tf.Tensor, threshold = 0.5): tf.Tensor1D {
  return tf.tidy(() => {
    const hard = tf.cast(tf.greater(yPred, threshold), 'float32');
    const inter = sumPerImage(tf.mul(yTrue, hard));
    const den = tf.add(sumPerImage(yTrue), sumPerImage(hard));
    const safeDen = tf.maximum(den, 1);
    return tf.where(tf.equal(den, 0), tf.onesLike(den), tf.div(tf.mul(inter, 2), safeDen)) as tf.Tensor1D;
  });
}

/** Mean over images of the per-image Dice at `threshold`. */
export function diceScore(yTrue: tf.Tensor, yPred: tf.Tensor, threshold = 0.5): tf.Scalar {
  return tf.tidy(() => tf.mean(diceScorePerImage(yTrue, yPred, threshold)) as tf.Scalar);
}

/** Dataset-level Dice: pools every pixel of every image before taking the ratio. */
export class DatasetDice {
  private inter = 0;
  private den = 0;
  add(yTrue: ArrayLike<number>, hardPred: ArrayLike<number>): void {
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i]! > 0.5 ? 1 : 0;
      const p = hardPred[i]! > 0.5 ? 1 : 0;
      this.inter += t * p;
      this.den += t + p;
    }
  }
  value(): number {
    return this.den === 0 ? 1 : (2 * this.inter) / this.den;
  }
}
