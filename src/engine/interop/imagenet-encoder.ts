// ImageNet weights for the ResNet34-UNet's encoder: torchvision.models.resnet34's state_dict
// (conv1, bn1, layer1…4; its classifier fc.* is not used) copied into the studio encoder, whose
// modules carry the same names under `encoder.` (models/torch-names.ts). Only the base-64 model
// has torchvision's widths (64…512). The weights come from a .pth the user names or from the
// verified download (encoder-download.ts).
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../shared/run-config';
import { ensureEncoderWeights, RESNET34_IMAGENET, type EncoderDownloadOptions, type EncoderWeightsFile } from './encoder-download';
import { torchMapping } from '../models/torch-names';
import { readPth } from './pth/read-pth';
import { loadStateDict, withoutCommonPrefix } from './torch-state-dict';

/** torchvision's widths: the encoder's first convolution has 64 filters. */
export const IMAGENET_BASE = 64;

/** Copies a torchvision resnet34 state_dict (file `file`) into the model's encoder; returns the tensors loaded. */
export function loadResNet34Encoder(model: tf.LayersModel, file: string): number {
  torchMapping(model, 'resnet34_unet'); // a model that is not a ResNet34-UNet is refused before 83 MB are read
  const sd = readPth(file);
  let tensors = withoutCommonPrefix(sd.tensors);
  // Also accept a whole ResNet34-UNet state_dict or smp's "encoder."-prefixed keys: take the encoder part.
  if ([...tensors.keys()].some((k) => k.startsWith('encoder.'))) tensors = new Map([...tensors].filter(([k]) => k.startsWith('encoder.')).map(([k, v]) => [k.slice(8), v]));
  if (!tensors.has('conv1.weight') || !tensors.has('layer4.2.bn2.running_var'))
    throw new Error(`${file}: not a torchvision ResNet-34 state_dict (no "conv1.weight" / "layer4.2.bn2.running_var")`);
  return loadStateDict(model, tensors, { file, model: 'resnet34_unet', only: 'encoder.', ignore: (k) => k.startsWith('fc.') });
}

export interface EncoderWeightsReport {
  file: string;
  tensors: number;
  /** Set when the file came from (or was checked against) the download cache. */
  download?: EncoderWeightsFile;
}

/** Refuses a config whose encoder cannot take ImageNet weights, naming why. */
export function checkEncoderWeightsConfig(config: Pick<RunConfig, 'model' | 'base' | 'encoderWeights'>): string | null {
  if (config.encoderWeights !== 'imagenet') return null;
  if (config.model !== 'resnet34_unet') return `ImageNet encoder weights are for resnet34_unet (the UNet has no pretrained encoder); this run's model is ${config.model}`;
  if (config.base !== IMAGENET_BASE) return `ImageNet encoder weights need base ${IMAGENET_BASE} (torchvision's ResNet-34 widths); this run's base is ${config.base}`;
  return null;
}

/**
 * What training does at model creation for `encoderWeights: 'imagenet'`: the user's file, or the
 * cached download (fetched first if needed, into `dataDir`).
 */
export async function applyEncoderWeights(
  model: tf.LayersModel,
  config: Pick<RunConfig, 'model' | 'base' | 'encoderWeights' | 'encoderWeightsPath'>,
  opts: {
    dataDir?: string;
    onProgress?: (bytes: number, total: number | null) => void;
    signal?: AbortSignal;
    /** Another source for the download (a mirror; tests): URL and expected SHA-256. */
    source?: Pick<EncoderDownloadOptions, 'url' | 'sha256'>;
  },
): Promise<EncoderWeightsReport | null> {
  if (config.encoderWeights !== 'imagenet') return null;
  const refused = checkEncoderWeightsConfig(config);
  if (refused) throw new Error(refused);
  if (config.encoderWeightsPath) return { file: config.encoderWeightsPath, tensors: loadResNet34Encoder(model, config.encoderWeightsPath) };
  if (!opts.dataDir) throw new Error(`no data folder to cache ${RESNET34_IMAGENET.file} in: give encoderWeightsPath (a torchvision resnet34 .pth) instead`);
  const download = await ensureEncoderWeights({ ...opts.source, dataDir: opts.dataDir, onProgress: opts.onProgress, signal: opts.signal });
  return { file: download.path, tensors: loadResNet34Encoder(model, download.path), download };
}
