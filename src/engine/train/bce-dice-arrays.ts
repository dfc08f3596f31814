// BCE + soft Dice and its gradient with respect to the probabilities, on plain arrays: what the
// native training plan (backend/native/training-plan.ts) uses in place of the tensor ops in
// losses.ts and metrics.ts. Same definitions and constants: BCE over clipped probabilities
// (the clip passes no gradient outside [BCE_CLIP, 1 − BCE_CLIP], as tf.clipByValue's gradient),
// the soft Dice loss with DICE_EPS averaged over images, and the thresholded Dice score with the
// empty-mask convention. Sums run in double precision; the tensor version sums in float32, so
// the two agree to float32 rounding.
import { BCE_CLIP, DICE_EPS, REFERENCE_LOSS_WEIGHTS, type LossWeights } from './losses';
import { DICE_THRESHOLD } from './metrics';

export interface BceDiceValues {
  bce: number;
  diceLoss: number;
  /** Mean per-image Dice score of the prediction thresholded at DICE_THRESHOLD. */
  dice: number;
}

/**
 * Loss parts of probabilities `p` against 0/1 masks `y` (both `images` × pixels, image-major),
 * and d(w.bce·bce + w.dice·diceLoss)/dp written into `dp` (which may be a fresh or reused array).
 * The parts returned are unweighted (they are what a run reports).
 */
export function bceDiceWithGradient(
  p: Float32Array, y: Float32Array, images: number, dp: Float32Array, w: LossWeights = REFERENCE_LOSS_WEIGHTS,
): BceDiceValues {
  const n = p.length;
  if (y.length !== n || dp.length !== n || n % images !== 0) {
    throw new Error(`bce+dice: ${n} probabilities, ${y.length} labels and ${dp.length} gradients for ${images} images`);
  }
  const pixels = n / images;
  const hi = 1 - BCE_CLIP;
  let bceSum = 0, diceLossSum = 0, scoreSum = 0;
  for (let b = 0; b < images; b++) {
    const start = b * pixels, end = start + pixels;
    let inter = 0, sumY = 0, sumP = 0, hardInter = 0, hardSum = 0;
    for (let i = start; i < end; i++) {
      const pi = p[i]!, yi = y[i]!;
      const pc = pi < BCE_CLIP ? BCE_CLIP : pi > hi ? hi : pi;
      bceSum += yi * Math.log(pc) + (1 - yi) * Math.log(1 - pc);
      inter += yi * pi;
      sumY += yi;
      sumP += pi;
      if (pi > DICE_THRESHOLD) {
        hardSum++;
        hardInter += yi;
      }
    }
    const den = sumY + sumP + DICE_EPS, num = 2 * inter + DICE_EPS;
    diceLossSum += num / den;
    const hardDen = sumY + hardSum;
    scoreSum += hardDen === 0 ? 1 : (2 * hardInter) / hardDen;
    // d(1 − mean dice)/dp_i = −(1/B)·(2y_i·den − num)/den²; d(−mean ll)/dp_i = −(y/p − (1−y)/(1−p))/N.
    // The weights scale each term's own factors (×1 is exact), so 1 and 1 round as before.
    const a = (w.dice * -2) / (images * den), c = (w.dice * num) / (images * den * den);
    for (let i = start; i < end; i++) {
      const pi = p[i]!, yi = y[i]!;
      const bceGrad = pi >= BCE_CLIP && pi <= hi ? w.bce * (-(yi / pi - (1 - yi) / (1 - pi)) / n) : 0;
      dp[i] = bceGrad + a * yi + c;
    }
  }
  return { bce: -bceSum / n, diceLoss: 1 - diceLossSum / images, dice: scoreSum / images };
}
