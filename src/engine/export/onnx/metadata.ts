// What a program running the exported model must know, stored in the ONNX file's metadata_props
// (onnxruntime: session.modelMeta / InferenceSession.get_modelmeta().custom_metadata_map): the
// input's preparation (the studio feeds RGB pixels scaled to 0..1 and ImageNet-normalised, see
// engine/augment/normalize.ts), sizes, the output's meaning and threshold, and where it came from.
import { IMAGENET_MEAN, IMAGENET_STD } from '../../augment/normalize';
import { ONNX_INPUT, ONNX_OUTPUT } from './graph-builder';

/** The probability above which a pixel is foreground (the studio's masks use the same). */
export const MASK_THRESHOLD = 0.5;

export interface ModelOrigin {
  /** 'unet' | 'resnet34_unet' (or the tfjs model's name for another model). */
  modelKind: string;
  inChannels: number;
  height: number;
  width: number;
  precision: 'float32' | 'float16';
  /** Free-form facts about the studio run and checkpoint, e.g. { studio_run: '12 "pets"' }. */
  origin?: Record<string, string>;
}

export function onnxMetadata(m: ModelOrigin): Record<string, string> {
  const extra = m.inChannels > 3
    ? `; channels 3..${m.inChannels - 1} are not normalised: 3 = positive clicks, 4 = negative clicks (disks of 1), 5 = the previous mask (0/1), see the studio's docs/interactive.md`
    : '';
  return {
    model_kind: m.modelKind,
    input_name: ONNX_INPUT,
    input_layout: 'NCHW',
    input_shape: `[batch, ${m.inChannels}, ${m.height}, ${m.width}]`,
    input_size: `${m.height}x${m.width}`,
    input_channels: String(m.inChannels),
    color_order: 'RGB',
    pixel_scale: '1/255',
    mean: IMAGENET_MEAN.join(','),
    std: IMAGENET_STD.join(','),
    normalization: `x = (pixel / 255 - mean) / std per RGB channel (ImageNet mean and std), after resizing the photo to ${m.width}x${m.height} (bilinear, aspect not kept)${extra}`,
    output_name: ONNX_OUTPUT,
    output_shape: `[batch, 1, ${m.height}, ${m.width}]`,
    output: `probability that the pixel is foreground (sigmoid applied); foreground where it is > threshold; the studio resizes the ${m.width}x${m.height} map bilinearly to the photo's size before thresholding`,
    threshold: String(MASK_THRESHOLD),
    precision: m.precision,
    ...m.origin,
  };
}
