// Augmentation strength: one number that scales the whole pipeline, so a sweep (or `train
// --augment-strength`) can ask "more augmentation or less?" without editing a dozen settings.
// The result is an ordinary augment config: the run record stores the concrete probabilities
// and limits, so everything downstream (training, the preview, the exported PyTorch job) reads
// it as it reads any other config, and a strength of 1 is the config unchanged.
//
// Strength s scales each stage's probability (capped at 1) and how far each transform may move
// a photo away from itself: the crop may drop (1 − scaleMin)·s of the area, rotations reach
// ±limit·s, brightness and contrast ±limit·s, gamma 100 ± (its reach)·s, noise variance ·s,
// the largest blur kernel ·s (rounded to odd). Each stays inside what its setting allows.
import { augmentConfigSchema, type AugmentConfig } from './run-config';

export const MAX_AUGMENT_STRENGTH = 3;

/** The config with its strength scaled by `strength` (0 < s ≤ 3; 1 returns it unchanged). */
export function scaleAugment(config: AugmentConfig, strength: number): AugmentConfig {
  if (!(strength > 0) || strength > MAX_AUGMENT_STRENGTH) {
    throw new Error(`augmentation strength must be greater than 0 and at most ${MAX_AUGMENT_STRENGTH} (got ${strength}); turn augmentation off instead of using 0`);
  }
  if (strength === 1) return config;
  const s = strength;
  const p = (x: number) => Math.min(1, x * s);
  const reach = (x: number, cap: number) => Math.min(cap, x * s);
  const oddAtLeast3 = (x: number) => Math.max(3, 2 * Math.round((x - 1) / 2) + 1);
  const { geometric: g, color: c, noise: n } = config;
  const scaled = {
    ...config,
    geometric: {
      ...g,
      p: p(g.p),
      // Never below albumentations' own default lower scale (0.08), nor above the upper one.
      cropScaleMin: Math.min(g.cropScaleMax, Math.max(0.08, 1 - (1 - g.cropScaleMin) * s)),
      rotateLimit: reach(g.rotateLimit, 180),
    },
    flip: { p: p(config.flip.p) },
    color: {
      ...c,
      p: p(c.p),
      brightnessLimit: reach(c.brightnessLimit, 1),
      contrastLimit: reach(c.contrastLimit, 1),
      gammaMin: Math.max(1, 100 - (100 - c.gammaMin) * s),
      gammaMax: 100 + (c.gammaMax - 100) * s,
    },
    noise: {
      ...n,
      p: p(n.p),
      noiseVarMin: n.noiseVarMin * s,
      noiseVarMax: n.noiseVarMax * s,
      blurMax: Math.max(n.blurMin, oddAtLeast3(n.blurMax * s)),
    },
  };
  return augmentConfigSchema.parse(scaled);
}
