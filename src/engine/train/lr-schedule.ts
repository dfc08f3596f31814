// Cosine annealing stepped once per epoch, as PyTorch's CosineAnnealingLR(T_max = epochs):
// epoch 0 trains at lr0, the rate falls along half a cosine towards lrMin.
export function cosineLr(epoch: number, totalEpochs: number, lr0: number, lrMin = 0): number {
  if (totalEpochs <= 0) return lr0;
  const t = Math.min(Math.max(epoch, 0), totalEpochs);
  return lrMin + ((lr0 - lrMin) * (1 + Math.cos((Math.PI * t) / totalEpochs))) / 2;
}
