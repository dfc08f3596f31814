// The composition root of the application layer: one store, one event bus, one path guard and
// the domain services over them. Electron main, the HTTP host and the CLI each create one.
import { AugmentService } from './augment-service';
import { appPathsFor, type AppPaths } from './app-paths';
import { DatasetsService } from './datasets-service';
import { EffortService } from './effort-service';
import { EventBus } from './event-bus';
import { ExportsService } from './exports-service';
import { createDispatch, type Dispatch } from './handlers';
import { InteractiveService } from './interactive-service';
import { PathGuard } from './path-guard';
import { PredictionsService } from './predictions-service';
import { QueueService } from './queue-service';
import { KeepFreshService } from './keep-fresh';
import { join } from 'node:path';
import { RunsService } from './runs-service';
import { SweepsService } from './sweeps-service';
import { startOwnerHeartbeat } from './owner-heartbeat';
import { openStudioStore } from './store-adapter';
import type { StudioStore } from './store-types';
import { SystemService, type PickFolder } from './system-service';
import { nodeWorkerLauncher, type WorkerLauncher } from './worker-launcher';

export interface StudioServicesOptions {
  dbPath: string;
  /** How training workers start; default: a forked Node child running the worker via tsx. */
  launcher?: WorkerLauncher;
  /** better-sqlite3 addon for this process (Electron's ABI), when not the default one. */
  nativeBinding?: string;
  /** better-sqlite3 addon for the worker process, when it differs from this one's. */
  workerNativeBinding?: string;
  /** Folders datasets may be opened from; unset = anywhere (the desktop app). */
  importRoots?: string[];
  /** Mark runs left `running` by a previous process as interrupted (default true). */
  recover?: boolean;
  previewCount?: number;
  /**
   * Import the bundled sample dataset when the store has none yet, once per data folder (the
   * desktop app and `seg-studio serve` set it; the CLI and tests leave it off by default).
   */
  openSampleOnFirstStart?: boolean;
  /** A native folder dialog (Electron's); without it system.pickFolder answers NOT_AVAILABLE. */
  pickFolder?: PickFolder;
}

export interface StudioServices {
  paths: AppPaths;
  store: StudioStore;
  bus: EventBus;
  guard: PathGuard;
  datasets: DatasetsService;
  augment: AugmentService;
  runs: RunsService;
  /** Grids of settings tried one after another as runs, ranked. */
  sweeps: SweepsService;
  predictions: PredictionsService;
  exports: ExportsService;
  system: SystemService;
  /** Click-to-segment answers for the label editor (one cached model). */
  interactive: InteractiveService;
  effort: EffortService;
  /** The labeling queue (most useful photo next, labels to review) and keep-fresh fine-tunes. */
  queue: QueueService;
  keepFresh: KeepFreshService;
  dispatch: Dispatch;
  close(): void;
}

export function createStudioServices(opts: StudioServicesOptions): StudioServices {
  const paths = appPathsFor(opts.dbPath);
  const store = openStudioStore(paths.dbPath, { nativeBinding: opts.nativeBinding });
  const bus = new EventBus();
  // Datasets are read at each check, so a folder opened a moment ago is allowed at once.
  const guard = new PathGuard([paths.dataFolder], () => store.datasets.list().map((d) => d.root), opts.importRoots);
  const datasets = new DatasetsService({
    store,
    bus,
    guard,
    thumbnailsFolder: paths.thumbnailsFolder,
    dataFolder: paths.dataFolder,
    importRoots: opts.importRoots,
  });
  const augment = new AugmentService({ datasets });
  const runs = new RunsService({
    store,
    bus,
    launcher: opts.launcher ?? nodeWorkerLauncher(),
    dbPath: paths.dbPath,
    runsFolder: paths.runsFolder,
    workerNativeBinding: opts.workerNativeBinding ?? opts.nativeBinding,
    previewCount: opts.previewCount,
    countTrainImages: (config) => datasets.countTrainImages(config),
    allowData: (data) => datasets.allowData(data),
  });
  const sweeps = new SweepsService({ store, runs, allowData: (data) => datasets.allowData(data) });
  const predictions = new PredictionsService({ store, datasets, guard, predictionsFolder: paths.predictionsFolder });
  const exports = new ExportsService({ store, bus, guard, predictions });
  const system = new SystemService(paths, opts.pickFolder);
  const interactive = new InteractiveService({ store, datasets });
  const effort = new EffortService({ store, datasets });
  const keepFresh = new KeepFreshService({ store, runs, bus, file: join(paths.dataFolder, 'keep-fresh.json') });
  const queue = new QueueService({ store, datasets, preferredRun: (id) => keepFresh.currentRun(id) });
  if (opts.recover !== false) runs.recover();
  // Other processes judge this one's runs and device claims by its lease, among other things.
  const stopHeartbeat = startOwnerHeartbeat(store);
  if (opts.openSampleOnFirstStart) datasets.startFirstStart();
  const services: StudioServices = {
    paths,
    store,
    bus,
    guard,
    datasets,
    augment,
    runs,
    sweeps,
    predictions,
    exports,
    system,
    interactive,
    effort,
    queue,
    keepFresh,
    dispatch: undefined as unknown as Dispatch,
    close: () => {
      stopHeartbeat();
      interactive.release();
      queue.release();
      keepFresh.close();
      store.close();
    },
  };
  services.dispatch = createDispatch(services);
  return services;
}
