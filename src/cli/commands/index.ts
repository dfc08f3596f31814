// The command table. Each command lives in its own file.
import type { Command } from './command';
import { modelSummaryCommand } from './model-summary';
import { trainCommand } from './train';
import { evalCommand } from './eval';
import { predictCommand } from './predict';
import { backendsCommand } from './backends';
import { benchCommand } from './bench';
import { serveCommand } from './serve';
import { runsCommand } from './runs';
import { resumeCommand } from './resume';
import { datasetCommand } from './dataset';

export const commands: Record<string, Command> = {
  'model-summary': modelSummaryCommand,
  train: trainCommand,
  eval: evalCommand,
  predict: predictCommand,
  backends: backendsCommand,
  bench: benchCommand,
  serve: serveCommand,
  runs: runsCommand,
  resume: resumeCommand,
  dataset: datasetCommand,
};
