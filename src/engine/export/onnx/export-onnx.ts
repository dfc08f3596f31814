// A studio model (or checkpoint folder) as the bytes of an ONNX file: opset 17, IR version 8
// (ONNX 1.12, the first release with opset 17; onnxruntime ≥ 1.12 loads it), one input `image`
// [batch, C, H, W] float32 and one output `mask_probability` [batch, 1, H, W] float32, the
// batch dimension symbolic. Writing the file is the caller's job (it decides about overwrites).
import type * as tf from '@tensorflow/tfjs';

import { loadCheckpoint } from '../../train/checkpoint';
import { buildOnnxGraph } from './graph-builder';
import { onnxMetadata } from './metadata';
import { encodeModel } from './onnx-proto';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export interface OnnxExportOptions {
  fp16?: boolean;
  /** Facts about the run and checkpoint for the metadata (keys prefixed `studio_`). */
  origin?: Record<string, string>;
  modelKind?: string;
}

export interface OnnxExport {
  bytes: Uint8Array;
  parameters: number;
  nodes: number;
  metadata: Record<string, string>;
}

const producerVersion = (): string => process.env.npm_package_version ?? 'dev';

export function modelToOnnx(model: tf.LayersModel, opts: OnnxExportOptions = {}): OnnxExport {
  const built = buildOnnxGraph(model, { fp16: opts.fp16 });
  const metadata = onnxMetadata({
    modelKind: opts.modelKind ?? model.name,
    inChannels: built.inChannels,
    height: built.height,
    width: built.width,
    precision: opts.fp16 ? 'float16' : 'float32',
    origin: opts.origin,
  });
  const bytes = encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'seg-studio',
    producerVersion: producerVersion(),
    docString: `binary segmentation (${metadata.model_kind}); input and output described in metadata_props`,
    graph: built.graph,
    metadata,
  });
  return { bytes, parameters: built.parameters, nodes: built.graph.nodes.length, metadata };
}

/** A checkpoint folder (RUN/best, RUN/last) as ONNX, its run and checkpoint in the metadata. */
export async function checkpointToOnnx(dir: string, opts: { fp16?: boolean; runId?: number; runName?: string } = {}): Promise<OnnxExport> {
  const ckpt = await loadCheckpoint(dir);
  try {
    const m = ckpt.meta;
    const origin: Record<string, string> = {
      studio_checkpoint: `${m.kind} (epoch ${m.epoch}; best validation Dice ${m.bestValidDice.toFixed(4)} at epoch ${m.bestEpoch})`,
      studio_checkpoint_saved_at: m.savedAt,
      studio_config: JSON.stringify(m.config),
    };
    if (opts.runId !== undefined) origin.studio_run = `${opts.runId}${opts.runName ? ` "${opts.runName}"` : ''}`;
    return modelToOnnx(ckpt.model, { fp16: opts.fp16, origin, modelKind: m.config.model });
  } finally {
    ckpt.model.dispose();
  }
}
