// The contract's operations bound to the services: one table both transports call through
// `dispatch`, which validates arguments with the operation's schema and answers an envelope.
import {
  StudioError,
  errorEnvelope,
  findOperation,
  okEnvelope,
  type Contract,
  type Envelope,
  type OpArgs,
  type OpName,
  type OpResult,
} from '../shared/contract';
import type { StudioServices } from './studio-services';
import { DataFileError } from '../engine/data/data-file-error';

type Handlers = {
  [D in keyof Contract]: { [O in OpName<D>]: (args: OpArgs<D, O>) => OpResult<D, O> | Promise<OpResult<D, O>> };
};

export function createHandlers(s: StudioServices): Handlers {
  return {
    datasets: {
      open: (a) => s.datasets.open(a),
      list: () => s.datasets.list(),
      remove: (a) => s.datasets.remove(a.datasetId),
      relocate: (a) => s.datasets.relocate(a),
      download: (a) => s.datasets.download(a),
      cancelDownload: () => s.datasets.cancelDownload(),
      samples: (a) => s.datasets.samples(a.datasetId, a),
      sample: (a) => s.datasets.sample(a.datasetId, a.sampleId),
      thumbnail: (a) => s.datasets.thumbnail(a.datasetId, a.sampleId, a.size),
      image: (a) => s.datasets.image(a.datasetId, a.sampleId),
      readMask: (a) => s.datasets.readMask(a.datasetId, a.sampleId),
      saveMask: async (a) => {
        const saved = await s.datasets.saveMask(a.datasetId, a.sampleId, a.png);
        if (a.effort) s.effort.recordSave(a.datasetId, a.sampleId, saved.maskPath, a.effort);
        try {
          s.keepFresh.onMaskSaved(a.datasetId);
        } catch (err) {
          // The mask is saved; keep-fresh's own failure must not turn the save into an error.
          process.emitWarning(`keep-fresh after saving ${a.sampleId}: ${(err as Error).message}`);
        }
        return saved;
      },
      augmentPreview: (a) => s.augment.preview(a),
    },
    runs: {
      presets: () => s.runs.presets(),
      validate: (a) => s.runs.validate(a.config),
      start: (a) => s.runs.start(a),
      list: (a) => s.runs.list(a.limit),
      get: (a) => s.runs.get(a.runId),
      cancel: (a) => s.runs.cancel(a.runId),
      resume: (a) => s.runs.resume(a),
      estimateEpoch: (a) => s.runs.estimateEpoch(a),
    },
    sweeps: {
      start: (a) => s.sweeps.start(a),
      resume: (a) => s.sweeps.resume(a.sweepId),
      get: (a) => s.sweeps.get(a.sweepId),
      list: () => s.sweeps.list(),
    },
    predictions: {
      run: (a) => s.predictions.run(a),
      list: (a) => s.predictions.list(a),
      mask: (a) => s.predictions.mask(a),
    },
    labeling: {
      click: (a) => s.interactive.click(a),
      interactiveRuns: (a) => s.interactive.interactiveRuns(a.datasetId),
      effort: (a) => s.effort.summary(a.datasetId),
    },
    queue: {
      get: (a) => s.queue.get(a),
      next: (a) => s.queue.next(a),
      difference: (a) => s.queue.difference(a),
      keepFresh: (a) => s.keepFresh.settings(a.datasetId),
      setKeepFresh: (a) => s.keepFresh.configure(a),
    },
    exports: {
      masks: (a) => s.exports.masks(a),
      labels: (a) => s.exports.labels(a),
      model: (a) => s.exports.model(a),
    },
    system: {
      backends: () => s.system.backends(),
      device: () => s.system.device(),
      version: () => s.system.version(),
      dataFolder: () => s.system.dataFolder(),
      pickFolder: (a) => s.system.pickFolder(a),
    },
  };
}

export type Dispatch = (domain: string, op: string, rawArgs: unknown) => Promise<Envelope<unknown>>;

/** Validates and runs one operation; never throws (every failure becomes an error envelope). */
export function createDispatch(s: StudioServices): Dispatch {
  const handlers = createHandlers(s) as unknown as Record<string, Record<string, (args: unknown) => unknown>>;
  return async (domain, op, rawArgs) => {
    try {
      const def = findOperation(domain, op);
      if (!def) throw new StudioError('UNKNOWN_OPERATION', `no operation ${domain}.${op}`);
      const parsed = def.args.safeParse(rawArgs ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
        throw new StudioError('INVALID_ARGUMENT', `${domain}.${op}: ${issues}`);
      }
      return okEnvelope(await handlers[domain]![op]!(parsed.data));
    } catch (err) {
      // A file the request led to that cannot be used (not a dataset, not a readable image, over
      // the pixel limit) is the request's problem, not the studio's: 400, not 500.
      return errorEnvelope(err instanceof DataFileError ? new StudioError('INVALID_ARGUMENT', err.message) : err);
    }
  };
}
