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
  predict: { summary: 'predict masks for a folder of photos', load: async () => (await import('./predict')).predictCommand },
  backends: { summary: 'which compute backends load on this machine', load: async () => (await import('./backends')).backendsCommand },
  bench: { summary: 'training and inference images/s for the reference configurations', load: async () => (await import('./bench')).benchCommand },
  serve: { summary: 'serve the studio over HTTP (browser UI + API + events)', load: async () => (await import('./serve')).serveCommand },
  runs: { summary: 'list recorded runs, or `runs show ID` for one run with its epochs', load: async () => (await import('./runs')).runsCommand },
  resume: { summary: 'resume an interrupted or stopped run from its last checkpoint', load: async () => (await import('./resume')).resumeCommand },
  dataset: {
    summary: 'download the Oxford-IIIT Pet dataset (resumable, verified) and import it',
    load: async () => (await import('./dataset')).datasetCommand,
  },
};
