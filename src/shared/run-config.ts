// The one run configuration schema: CLI flags, the UI form and the stored run record all
// validate through it, so a config that trains from one place trains from every place.
import { z } from 'zod';
import { MAX_PATH_CHARS } from './contract/path-schema';

export const BACKENDS = ['auto', 'native', 'tensorflow', 'wasm', 'webgpu', 'cpu'] as const;
export const MODELS = ['unet', 'resnet34_unet'] as const;
/** Where a ResNet34-UNet's encoder starts: random, or torchvision's ImageNet weights. */
export const ENCODER_WEIGHTS = ['none', 'imagenet'] as const;
export const MAX_EPOCHS = 10000;

/**
 * A number field whose messages read after the field's name ("Base width must be a number"),
 * not zod's "Expected number, received string".
 */
const num = () => z.number({ invalid_type_error: 'must be a number', required_error: 'is required' });
const whole = () => num().int('must be a whole number');
/** Seeds are kept to a 32-bit range: every RNG and the CLI take them, and 1e99 is not a seed. */
export const MAX_SEED = 2 ** 31 - 1;

const probability = z.number().min(0, 'must be at least 0').max(1, 'must be at most 1');

export const augmentConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** OneOf(RandomResizedCrop(scale), Rotate(±limit)) with probability p. */
    geometric: z
      .object({
        p: probability.default(0.5),
        cropScaleMin: z.number().gt(0).max(1).default(0.8),
        cropScaleMax: z.number().gt(0).max(1).default(1.0),
        rotateLimit: z.number().min(0).max(180).default(30),
      })
      .default({}),
    /** OneOf(HorizontalFlip, VerticalFlip) with probability p. */
    flip: z.object({ p: probability.default(0.5) }).default({}),
    /** OneOf(RandomBrightnessContrast, RandomGamma) with probability p. */
    color: z
      .object({
        p: probability.default(0.3),
        brightnessLimit: z.number().min(0).max(1).default(0.2),
        contrastLimit: z.number().min(0).max(1).default(0.2),
        gammaMin: z.number().gt(0).default(80),
        gammaMax: z.number().gt(0).default(120),
      })
      .default({}),
    /** OneOf(GaussNoise(var), GaussianBlur(kernel)) with probability p. */
    noise: z
      .object({
        p: probability.default(0.2),
        noiseVarMin: z.number().min(0).default(10),
        noiseVarMax: z.number().min(0).default(50),
        blurMin: z.number().int().min(3).default(3),
        blurMax: z.number().int().min(3).default(7),
      })
      .default({}),
  })
  .refine((a) => a.geometric.cropScaleMin <= a.geometric.cropScaleMax, {
    message: 'cropScaleMin must not exceed cropScaleMax',
    path: ['geometric', 'cropScaleMin'],
  });

export type AugmentConfig = z.infer<typeof augmentConfigSchema>;

export const runConfigSchema = z.object({
  /** Dataset folder (Oxford layout or images/ + masks/), or "sample" for the bundled sample. */
  data: z
    .string()
    .min(1, 'a dataset folder is required')
    .max(MAX_PATH_CHARS, `a path is at most ${MAX_PATH_CHARS} characters`)
    .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character'),
  model: z.enum(MODELS).default('unet'),
  base: whole().min(2, 'must be at least 2').max(128, 'must be at most 128').default(64),
  size: whole()
    .min(32, 'must be at least 32')
    .max(1024, 'must be at most 1024')
    .refine((s) => s % 32 === 0, 'must be a multiple of 32 (the models halve it five times)')
    .default(256),
  epochs: whole().min(1, 'must be at least 1').max(MAX_EPOCHS, `must be at most ${MAX_EPOCHS}`).default(20),
  batchSize: whole().min(1, 'must be at least 1').max(512, 'must be at most 512').default(4),
  learningRate: num().gt(0, 'must be greater than 0').max(1, 'must be at most 1').default(1e-3),
  /** Cosine annealing from learningRate to minLearningRate over the epochs, or a constant rate. */
  schedule: z.enum(['cosine', 'constant']).default('cosine'),
  minLearningRate: num().min(0, 'must be at least 0').max(1, 'must be at most 1').default(0),
  /**
   * The epoch (0-based) where the current cosine began: 0 for a fresh run; a resume that restarts
   * the schedule sets it to the epochs already trained, so the extra epochs get a cosine of
   * their own from the peak rate (see engine/train/lr-schedule.ts).
   */
  scheduleStartEpoch: whole().min(0, 'must be at least 0').max(10000).default(0),
  /**
   * Epochs of linear warm-up before the cosine (0 = none): the rate climbs from learningRate/10
   * to learningRate, then the cosine spans the remaining epochs. With a time budget the epochs are
   * planned when the warm-up ends, from its last epoch (steadier than the first one).
   */
  warmupEpochs: whole().min(0, 'must be at least 0').max(100, 'must be at most 100').default(0),
  /** Decoupled weight decay (AdamW, as torch.optim.AdamW): each step w -= lr·weightDecay·w. 0 = plain Adam. */
  weightDecay: num().min(0, 'must be at least 0').max(1, 'must be at most 1').default(0),
  /**
   * Exponential moving average of the weights (0 = off): after each step ema = d·ema + (1−d)·w;
   * validation, the best checkpoint and the test score use the averaged weights.
   */
  emaDecay: num().min(0, 'must be at least 0').lt(1, 'must be less than 1').default(0),
  /** Loss = bceWeight·BCE + diceWeight·(1 − soft Dice); the reference uses 1 and 1. */
  bceWeight: num().min(0, 'must be at least 0').max(100, 'must be at most 100').default(1),
  diceWeight: num().min(0, 'must be at least 0').max(100, 'must be at most 100').default(1),
  valFraction: num().gt(0, 'must be greater than 0').lt(1, 'must be less than 1').default(0.1),
  seed: whole().min(0, 'must be at least 0').max(MAX_SEED, `must be at most ${MAX_SEED}`).default(42),
  backend: z.enum(BACKENDS).default('auto'),
  augment: augmentConfigSchema.default({}),
  /** Cap on training images per epoch (0 = all); handy for quick trials. */
  maxTrainImages: whole().min(0, 'must be at least 0').default(0),
  /**
   * Wall-clock budget in minutes: the run measures its first epoch, then plans as many epochs as
   * fit (at most `epochs`) and stores that number as its `epochs`, so the cosine schedule ends
   * inside the budget (engine/train/time-budget.ts). A resumed run keeps its planned epochs.
   */
  minutes: num().gt(0, 'must be greater than 0').max(10080, 'must be at most 10080 (a week)').optional(),
  /**
   * A click-to-segment run (docs/interactive.md): the model takes 6 input channels (photo,
   * positive and negative click disks of `clickRadius` model pixels, previous mask) and trains on
   * simulated clicks with up to `maxIterations` no-gradient correction rounds per batch.
   */
  interactive: z
    .object({
      enabled: z.boolean().default(true),
      clickRadius: whole().min(1, 'must be at least 1').max(64, 'must be at most 64').default(5),
      maxIterations: whole().min(0, 'must be at least 0').max(20, 'must be at most 20').default(3),
    })
    .optional(),
  /**
   * ResNet34-UNet only (base 64): start the encoder from torchvision's ResNet-34 ImageNet weights
   * (docs/interop.md), read from `encoderWeightsPath` (a torchvision resnet34 .pth) or downloaded
   * once into the data folder's cache and verified (engine/interop/encoder-download.ts).
   */
  encoderWeights: z.enum(ENCODER_WEIGHTS).default('none'),
  encoderWeightsPath: z
    .string()
    .min(1)
    .max(MAX_PATH_CHARS, `a path is at most ${MAX_PATH_CHARS} characters`)
    .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character')
    .optional(),
});

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Parses a config, throwing an Error whose message names each bad field. */
export function parseRunConfig(input: unknown): RunConfig {
  const result = runConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new Error(`Invalid run configuration:\n  ${lines.join('\n  ')}`);
  }
  const c = result.data;
  if (c.bceWeight + c.diceWeight <= 0) throw new Error('Invalid run configuration:\n  bceWeight, diceWeight: at least one must be greater than 0 (the loss would be 0)');
  // ImageNet weights exist for torchvision's ResNet-34 widths only.
  if (c.encoderWeights === 'imagenet' && (c.model !== 'resnet34_unet' || c.base !== 64))
    throw new Error(`Invalid run configuration:\n  encoderWeights: imagenet needs model resnet34_unet with base 64 (got ${c.model}, base ${c.base})`);
  if (c.encoderWeightsPath !== undefined && c.encoderWeights !== 'imagenet') throw new Error('Invalid run configuration:\n  encoderWeightsPath: only used with encoderWeights imagenet');
  return c;
}

/** Presets offered by the CLI and the form. */
export const RUN_PRESETS: Record<string, { description: string; config: Partial<RunConfigInput> }> = {
  reference: {
    description: 'The reference report: UNet base 64 at 256², batch 4 (needs a GPU or a fast CPU path; days on a laptop CPU).',
    config: { model: 'unet', base: 64, size: 256, batchSize: 4, learningRate: 1e-3, epochs: 500 },
  },
  'resnet34-reference': {
    description: 'ResNet34-UNet at 256², batch 4.',
    config: { model: 'resnet34_unet', base: 64, size: 256, batchSize: 4, learningRate: 1e-3, epochs: 500 },
  },
  'resnet34-imagenet': {
    description: 'ResNet34-UNet with the ImageNet-pretrained ResNet-34 encoder (downloaded once, 83 MB) at 256², batch 4, lower rate: the usual start for small datasets.',
    config: { model: 'resnet34_unet', base: 64, size: 256, batchSize: 4, learningRate: 3e-4, epochs: 50, encoderWeights: 'imagenet' },
  },
  'cpu-quick': {
    description: 'CPU-friendly: UNet base 16 at 128², batch 8 — minutes per epoch on a few thousand images.',
    config: { model: 'unet', base: 16, size: 128, batchSize: 8, learningRate: 2e-3, epochs: 30 },
  },
  // The time-budget presets: the recipe the quality study (docs/quality.md) found best for a
  // 10-minute budget on a 2-core CPU, trained for as many epochs as the budget holds.
  'cpu-10min': {
    description: 'As good as anything this study tried in 10 minutes on a 2-core CPU (three seeds; docs/quality.md): UNet base 16 at 128², batch 8, rate 2e-3 after a 2-epoch warm-up, a 0.99 average of the weights, as many epochs as fit.',
    config: { model: 'unet', base: 16, size: 128, batchSize: 8, learningRate: 2e-3, warmupEpochs: 2, emaDecay: 0.99, epochs: MAX_EPOCHS, minutes: 10 },
  },
  'cpu-30min': {
    description: 'UNet base 16 at 160², batch 8, rate 4e-3 after a 2-epoch warm-up, 30 minutes: three times the epochs, and the finer input that turns them into Dice (docs/quality.md).',
    config: { model: 'unet', base: 16, size: 160, batchSize: 8, learningRate: 4e-3, warmupEpochs: 2, epochs: MAX_EPOCHS, minutes: 30 },
  },
  'cpu-tiny': {
    description: 'Smoke test: UNet base 8 at 64², batch 8 — seconds per epoch.',
    config: { model: 'unet', base: 8, size: 64, batchSize: 8, learningRate: 3e-3, epochs: 10 },
  },
};
