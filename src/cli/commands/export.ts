// seg-studio export: a checkpoint as an ONNX file (engine/export/onnx) or as a TensorFlow.js
// model folder (the checkpoint without its optimizer state), or as a PyTorch state_dict .pth
// (engine/interop/export-pth.ts). Existing files are refused unless
// --overwrite, which keeps each replaced file in .versions/ (services/model-export-files.ts).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatHelp, parseArgs, requireStr, str, UsageError, type FlagSpec } from '../args';
import { CliOutput } from '../output';
import { quietTfjs } from '../../engine/backend/quiet-tfjs';
import { checkpointToOnnx, ONNX_OPSET } from '../../engine/export/onnx/export-onnx';
import { checkpointToPth } from '../../engine/interop/export-pth';
import { resolveCheckpointDir } from '../../engine/train/checkpoint';
import { copyTfjsModel, refuseExistingModelFiles, writeModelFile } from '../../services/model-export-files';
import type { Command } from './command';
import { JSON_FLAG } from './command';

const flags: FlagSpec[] = [
  { name: 'format', type: 'string', description: 'onnx|tfjs|pytorch (a state_dict .pth, docs/interop.md)', default: 'onnx' },
  { name: 'checkpoint', type: 'string', aliases: ['model_path', 'model-path'], description: 'checkpoint folder (RUN/best or RUN/last)' },
  { name: 'out', type: 'string', description: 'the .onnx file to write (onnx), or the folder for model.json + weights.bin (tfjs)' },
  { name: 'fp16', type: 'boolean', description: 'onnx: float16 weights and arithmetic (input and output stay float32)' },
  { name: 'overwrite', type: 'boolean', description: 'replace existing files (each old file is kept in .versions/); else refused' },
  JSON_FLAG,
];

export const exportCommand: Command = {
  help: () => formatHelp('seg-studio export --format onnx|tfjs|pytorch --checkpoint PATH --out FILE|DIR [--fp16] [--overwrite] [--json]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const out = new CliOutput(Boolean(f.json));
    const format = str(f, 'format');
    if (format !== 'onnx' && format !== 'tfjs' && format !== 'pytorch') throw new UsageError(`--format must be onnx, tfjs or pytorch (got ${format})`);
    if (f.fp16 && format !== 'onnx') throw new UsageError('--fp16 applies to --format onnx only');
    const checkpoint = resolve(requireStr(f, 'checkpoint'));
    if (!existsSync(checkpoint)) throw new Error(`${checkpoint}: does not exist`);
    const src = resolveCheckpointDir(checkpoint);
    const target = resolve(requireStr(f, 'out'));
    const overwrite = Boolean(f.overwrite);
    const t0 = performance.now();
    if (format === 'tfjs') {
      if (existsSync(target) && !statSync(target).isDirectory()) throw new Error(`${target}: is a file; --format tfjs writes a folder`);
      const files = copyTfjsModel(src, target, overwrite, 'pass --overwrite');
      const seconds = (performance.now() - t0) / 1000;
      out.result({ format, out: target, files, seconds }, `wrote ${files.join(', ')} to ${target}`);
      return 0;
    }
    if (format === 'pytorch') {
      if (existsSync(target) && statSync(target).isDirectory()) throw new Error(`${target}: is a folder; name the .pth file to write, e.g. ${join(target, 'model.pth')}`);
      refuseExistingModelFiles([target], overwrite, 'pass --overwrite');
      quietTfjs();
      const pth = await checkpointToPth(src);
      mkdirSync(dirname(target), { recursive: true });
      const kept = writeModelFile(target, pth.bytes, overwrite);
      const seconds = (performance.now() - t0) / 1000;
      out.result(
        { format, out: target, bytes: pth.bytes.byteLength, model: pth.model, base: pth.base, tensors: pth.tensors, values: pth.values, seconds, previousKept: kept },
        `wrote ${target} (${(pth.bytes.byteLength / 1e6).toFixed(1)} MB, a ${pth.model} state_dict of ${pth.tensors} tensors) in ${seconds.toFixed(1)} s${kept ? `; the previous file is kept as ${kept}` : ''}`,
      );
      return 0;
    }
    if (existsSync(target) && statSync(target).isDirectory()) throw new Error(`${target}: is a folder; name the .onnx file to write, e.g. ${join(target, 'model.onnx')}`);
    // Refused before the checkpoint is even read.
    refuseExistingModelFiles([target], overwrite, 'pass --overwrite');
    quietTfjs();
    const onnx = await checkpointToOnnx(src, { fp16: Boolean(f.fp16) });
    mkdirSync(dirname(target), { recursive: true });
    const kept = writeModelFile(target, onnx.bytes, overwrite);
    const seconds = (performance.now() - t0) / 1000;
    out.result(
      { format, out: target, bytes: onnx.bytes.byteLength, fp16: Boolean(f.fp16), opset: ONNX_OPSET, parameters: onnx.parameters, nodes: onnx.nodes, seconds, previousKept: kept, metadata: onnx.metadata },
      `wrote ${target} (${(onnx.bytes.byteLength / 1e6).toFixed(1)} MB, ${onnx.nodes} nodes, opset ${ONNX_OPSET}${f.fp16 ? ', float16' : ''}) in ${seconds.toFixed(1)} s${kept ? `; the previous file is kept as ${kept}` : ''}`,
    );
    return 0;
  },
};
