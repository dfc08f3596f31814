// The evaluation metric: Dice of the thresholded prediction against a binary mask.
//
// Empty-mask convention: when an image's mask and its thresholded prediction are both empty
// there is nothing to find and nothing was found, so its Dice is 1 (a plain 2|A∩B|/(|A|+|B|)
// would be 0/0). The same holds for the dataset-level Dice of a set with no foreground at all.
// No ε smoothing here: the metric is exact, only the differentiable loss needs ε.
import * as tf from '@tensorflow/tfjs';

/** The prediction threshold of the reference metric. */
export const DICE_THRESHOLD = 0.5;

/** Sums every axis but the first: one number per image. */
export function sumPerImage(t: tf.Tensor): tf.Tensor1D {
  const axes = t.shape.map((_, i) => i).slice(1);
  return tf.sum(t, axes) as tf.Tensor1D;
}

/** Foreground where the probability is strictly above `threshold`. */
function binarize(yPred: tf.Tensor, threshold: number): tf.Tensor {
  return tf.cast(tf.greater(yPred, threshold), 'float32');
}

/** Per-image Dice of the thresholded prediction, shape [N]. */
export function diceScorePerImage(yTrue: tf.Tensor, yPred: tf.Tensor, threshold = DICE_THRESHOLD): tf.Tensor1D {
  return tf.tidy(() => {
    const hard = binarize(yPred, threshold);
    const inter = sumPerImage(tf.mul(yTrue, hard));
    const den = tf.add(sumPerImage(yTrue), sumPerImage(hard));
    // maximum(den, 1) only keeps the discarded branch of `where` finite (no NaN in the graph).
    const ratio = tf.div(tf.mul(inter, 2), tf.maximum(den, 1));
    return tf.where(tf.equal(den, 0), tf.onesLike(den), ratio) as tf.Tensor1D;
  });
}

/** Mean over the batch of the per-image Dice at `threshold`. */
export function diceScore(yTrue: tf.Tensor, yPred: tf.Tensor, threshold = DICE_THRESHOLD): tf.Scalar {
  return tf.tidy(() => tf.mean(diceScorePerImage(yTrue, yPred, threshold)) as tf.Scalar);
}

/**
 * Dataset-level Dice for evaluation: accumulates Σ|A∩B| and Σ(|A|+|B|) over every pixel of every
 * batch and takes the ratio once at the end, so large and small pets weigh by their pixels
 * (unlike the mean of per-image scores). Counts are kept as JS numbers (exact integers up to 2^53).
 */
export class DatasetDice {
  private intersection = 0;
  private denominator = 0;
  private imageCount = 0;

  constructor(readonly threshold = DICE_THRESHOLD) {}

  /** Adds a batch of masks [N,H,W,1] (0/1) and probabilities of the same shape. */
  async add(yTrue: tf.Tensor, yPred: tf.Tensor): Promise<void> {
    const sums = tf.tidy(() => {
      const hard = binarize(yPred, this.threshold);
      return tf.stack([tf.sum(tf.mul(yTrue, hard)), tf.add(tf.sum(yTrue), tf.sum(hard))]);
    });
    const [inter, den] = await sums.data();
    sums.dispose();
    this.intersection += inter!;
    this.denominator += den!;
    this.imageCount += yTrue.shape[0] ?? 1;
  }

  /** Adds one image from host memory: mask values 0/1, prediction as probabilities. */
  addArrays(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
    if (yTrue.length !== yPred.length) throw new Error(`mask has ${yTrue.length} pixels, prediction ${yPred.length}`);
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i]! > 0.5 ? 1 : 0;
      const p = yPred[i]! > this.threshold ? 1 : 0;
      this.intersection += t * p;
      this.denominator += t + p;
    }
    this.imageCount++;
  }

  /** Images added so far. */
  get count(): number {
    return this.imageCount;
  }

  /** 2Σ|A∩B| / Σ(|A|+|B|); 1 when nothing was foreground anywhere (see the convention above). */
  value(): number {
    return this.denominator === 0 ? 1 : (2 * this.intersection) / this.denominator;
  }

  reset(): void {
    this.intersection = 0;
    this.denominator = 0;
    this.imageCount = 0;
  }
}
