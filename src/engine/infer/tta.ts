// Test-time augmentation: the probability map of a batch as the mean of the model's answer for
// the photos and for their horizontal mirror images (each mirrored back before averaging). A
// pet is as much a pet in a mirror, so the two answers differ only by the model's own errors,
// which the mean partly cancels; the price is a second forward pass (about twice the time).
//
// The one place evaluation, prediction of mask files and the app's predictions get their
// probabilities from, so `--tta` means the same thing everywhere. Default off: whether it helps
// enough for its cost is for the measurements (docs/quality.md) to say.
import * as tf from '@tensorflow/tfjs';
import { predictFast } from '../backend/native-inference-plan';

export interface TtaOptions {
  /** Average with the horizontally flipped photo's prediction (two forward passes). */
  tta?: boolean;
}

/**
 * Probabilities for an NHWC batch `x` (its own tensor, not disposed here). Call inside
 * `tf.tidy` or dispose the result. Every input channel is mirrored (a click-to-segment model's
 * click disks and previous mask move with the photo), and the output is mirrored back.
 */
export function predictProbabilities(model: tf.LayersModel, x: tf.Tensor4D, opts: TtaOptions = {}): tf.Tensor4D {
  if (!opts.tta) return predictFast(model, x) as tf.Tensor4D;
  return tf.tidy(() => {
    // Two passes rather than one of a doubled batch: the same arithmetic (inference batch norm
    // is per image) without holding twice the activations at once.
    const plain = predictFast(model, x) as tf.Tensor4D;
    const mirrored = predictFast(model, tf.reverse(x, 2)) as tf.Tensor4D;
    return tf.mul(tf.add(plain, tf.reverse(mirrored, 2)), 0.5) as tf.Tensor4D;
  });
}
