// The three numbers logged per step: BCE, soft Dice loss (their sum is the training loss) and
// the thresholded Dice score. Kept together so train and eval report the same quantities.
import * as tf from '@tensorflow/tfjs';
import { bceLoss, diceLoss, diceScore } from './losses';

export interface LossParts {
  bce: tf.Scalar;
  diceLoss: tf.Scalar;
  dice: tf.Scalar;
}

export function lossParts(yTrue: tf.Tensor, yPred: tf.Tensor): LossParts {
  return { bce: bceLoss(yTrue, yPred), diceLoss: diceLoss(yTrue, yPred), dice: diceScore(yTrue, yPred, 0.5) };
}
