// The command table. Each command lives in its own file and is imported only when it runs:
// `seg-studio --help` or `seg-studio runs` must not pay for TensorFlow.js, sharp or the
// engine (the summaries shown by --help therefore live here, not in the command files).
import type { Command } from './command';

export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

export const commands: Record<string, CommandEntry> = {
  'model-summary': { summary: 'layer and parameter counts of a model', load: async () => (await import('./model-summary')).modelSummaryCommand },
  train: { summary: 'train a model on a dataset', load: async () => (await import('./train')).trainCommand },
  eval: { summary: 'Dice of a checkpoint on a dataset split', load: async () => (await import('./eval')).evalCommand },
  'eval-interactive': {
    summary: 'clicks to reach IoU 0.85/0.90, IoU per click and ms per click of a click-to-segment checkpoint',
    load: async () => (await import('./eval-interactive')).evalInteractiveCommand,
  },
  'simulate-labeling': {
    summary: 'does the queue help? reveal labels K at a time (uncertainty or random order), retrain, test Dice per label count',
    load: async () => (await import('./simulate-labeling')).simulateLabelingCommand,
  },
  export: { summary: 'a checkpoint as an ONNX file (opset 17, dynamic batch; --fp16), a TensorFlow.js folder or a PyTorch state_dict (.pth)', load: async () => (await import('./export')).exportCommand },
  predict: { summary: 'predict masks for a folder of photos', load: async () => (await import('./predict')).predictCommand },
  backends: { summary: 'which compute backends load on this machine', load: async () => (await import('./backends')).backendsCommand },
  bench: { summary: 'training and inference images/s for the reference configurations', load: async () => (await import('./bench')).benchCommand },
  serve: { summary: 'serve the studio over HTTP (browser UI + API + events)', load: async () => (await import('./serve')).serveCommand },
  'export-masks': {
    summary: 'a dataset\'s labels (or predicted masks) as PNG, COCO RLE or YOLO-seg polygons',
    load: async () => (await import('./export-masks')).exportMasksCommand,
  },
  'import-weights': {
    summary: 'a PyTorch state_dict (.pth) of the reference UNet/ResNet34-UNet as a studio checkpoint',
    load: async () => (await import('./import-weights')).importWeightsCommand,
  },
  sweep: {
    summary: "try a grid of settings one after another as runs (--grid 'size=128,160;lr=1e-3,2e-3' --minutes-each M), ranked by valid Dice",
    load: async () => (await import('./sweep')).sweepCommand,
  },
  runs: { summary: 'list recorded runs, or `runs show ID` for one run with its epochs', load: async () => (await import('./runs')).runsCommand },
  resume: { summary: 'resume an interrupted or stopped run from its last checkpoint', load: async () => (await import('./resume')).resumeCommand },
  'export-job': {
    summary: 'write a run as a PyTorch DDP job folder (torchrun on GPUs, Slurm, Kubernetes)',
    load: async () => (await import('./export-job')).exportJobCommand,
  },
  'import-job': {
    summary: 'bring a PyTorch job (export-job) back as a run: epochs, curves, weights',
    load: async () => (await import('./import-job')).importJobCommand,
  },
  dataset: {
    summary: 'download the Oxford-IIIT Pet dataset (resumable, verified) and import it',
    load: async () => (await import('./dataset')).datasetCommand,
  },
};
