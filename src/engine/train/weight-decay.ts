// Decoupled weight decay (AdamW, Loshchilov & Hutter; torch.optim.AdamW): before each Adam step a
// decayed weight is multiplied by 1 − lr·weightDecay, with the step's (scheduled) learning rate.
//
// Which weights: convolution kernels only (rank ≥ 2), not batch-norm scales and offsets nor
// biases (rank 1). torch.optim.AdamW decays whatever it is given; the common recipe (timm's
// weight-decay groups, "bag of tricks" no-bias-decay) gives it two groups, and so does the
// PyTorch reference of our tests. Why: every kernel here feeds a batch norm, so shrinking a
// kernel does not change what the layer computes, only how far the next step moves it (the
// regularising effect people want); shrinking a norm's scale or offset, or a bias (the head's
// bias sets the prior foreground share), changes the function itself and pulls it towards
// zero output with nothing gained, and they are 0.1–0.3 % of the parameters.

/** Whether weight decay applies to a variable of this shape. */
export function isDecayed(shape: readonly number[]): boolean {
  return shape.length >= 2;
}

/** What a decayed weight is multiplied by before the Adam update (as torch: 1 − lr·wd). */
export function decayFactor(learningRate: number, weightDecay: number): number {
  return 1 - learningRate * weightDecay;
}
