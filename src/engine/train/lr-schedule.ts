// Cosine annealing stepped once per epoch, as PyTorch's CosineAnnealingLR(T_max = totalEpochs,
// eta_min = lrMin) with scheduler.step() after each epoch: epoch e (0-based) trains at
//   lrMin + (lr0 − lrMin) · (1 + cos(π·e / totalEpochs)) / 2,
// so epoch 0 uses lr0 and the rate reaches lrMin at e = totalEpochs (one past the last epoch).
// PyTorch's recursive form equals this closed form while e ≤ T_max. Past T_max PyTorch would
// climb back up the cosine; here e is clamped so an over-long run stays at lrMin.
export function cosineLr(epoch: number, totalEpochs: number, lr0: number, lrMin = 0): number {
  if (totalEpochs <= 0) return lr0;
  const t = Math.min(Math.max(epoch, 0), totalEpochs);
  return lrMin + ((lr0 - lrMin) * (1 + Math.cos((Math.PI * t) / totalEpochs))) / 2;
}
