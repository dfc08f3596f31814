// Every operation the UI can ask for: a zod schema for its arguments and the TypeScript type of
// its result, grouped by domain. Electron IPC (`studio:<domain>:<op>`) and HTTP
// (`POST /api/<domain>/<op>`) are two transports of this one table; both validate arguments
// with these schemas before any service runs.
import { z } from 'zod';
import { augmentConfigSchema } from '../run-config';
import { MAX_TTA_SIZES } from '../tta-sizes';
import { pathSchema, urlOrPathSchema } from './path-schema';
import type * as T from './types';
import type * as Q from './queue-types';
import type * as S from './sweep-types';

/** An operation: its argument schema, plus a phantom result type (never set at runtime). */
export interface OpDef<A extends z.ZodTypeAny, R> {
  args: A;
  /** 'bytes': the result is a Uint8Array (image); HTTP also serves it raw at GET /api/media/... */
  kind: 'json' | 'bytes';
  readonly __result?: R;
}

function op<R>() {
  return <A extends z.ZodTypeAny>(args: A, kind: 'json' | 'bytes' = 'json'): OpDef<A, R> => ({ args, kind });
}

const none = z.object({}).strict().default({});
const id = z.number().int().positive();
const datasetId = id;
const runId = id;
const sampleId = z.string().min(1).max(512);
const split = z.enum(['train', 'valid', 'test']);
const maskExportFormat = z.enum(['0-255', '0-1', 'png-0-255', 'png-0-1', 'coco', 'yolo']);
/** Bytes cross IPC as Uint8Array; the HTTP wire codec decodes {"$bytes"} into one first. */
const bytes = z.instanceof(Uint8Array);
/** Run lengths of a 0/1 mask, alternating from background (mask-draft.ts, ClickMaskResult). */
const maskRuns = z.array(z.number().int().min(0)).max(1 << 22);
/** The work behind a saved mask (labeling effort, issue 13); a suggestion names its run and the pixels changed. */
const labelEffort = z
  .object({
    seconds: z.number().min(0).max(7 * 24 * 3600),
    clicks: z.number().int().min(0),
    strokes: z.number().int().min(0),
    source: z.enum(['none', 'prediction', 'interactive']),
    sourceRunId: runId.nullable(),
    changedPixels: z.number().int().min(0).nullable(),
  })
  .strict()
  .refine((e) => (e.source === 'none') === (e.changedPixels === null) && (e.source === 'none') === (e.sourceRunId === null), {
    message: 'a suggestion (prediction, interactive) needs sourceRunId and changedPixels; none has neither',
  });

export const contract = {
  datasets: {
    /** Imports (or re-imports) a folder and remembers it. Emits dataset:import-progress. */
    open: op<T.DatasetImportResult>()(
      z.object({
        path: pathSchema,
        valFraction: z.number().gt(0).lt(1).default(0.1),
        seed: z.number().int().min(0).default(42),
      }),
    ),
    /** Most recently used first, each with `missing` when its folder is gone. */
    list: op<T.DatasetSummary[]>()(none),
    /** Forgets a dataset (its samples and predictions); never deletes a file of it. */
    remove: op<{ removed: boolean }>()(z.object({ datasetId })),
    /**
     * The dataset's folder moved: re-imports it at `newPath` keeping the dataset id, so runs and
     * predictions stay linked. Emits dataset:import-progress.
     */
    relocate: op<T.DatasetImportResult>()(
      z.object({
        datasetId,
        newPath: pathSchema,
        valFraction: z.number().gt(0).lt(1).default(0.1),
        seed: z.number().int().min(0).default(42),
      }),
    ),
    /**
     * Downloads Oxford-IIIT Pet (two archives, about 800 MB), verifies, extracts and imports it,
     * then remembers it. Emits dataset:download-progress. CONFLICT when `dest` already holds a
     * dataset and `overwrite` is false, or when a download is already running.
     */
    download: op<T.DatasetDownloadResult>()(
      z
        .object({
          /** Default: datasets/oxford-iiit-pet in the app's data folder. */
          dest: pathSchema.optional(),
          /** Mirrors of the two archives (http/https; the desktop app also takes file:// or a path). */
          urls: z.object({ images: urlOrPathSchema.optional(), annotations: urlOrPathSchema.optional() }).strict().optional(),
          overwrite: z.boolean().default(false),
        })
        .strict()
        .default({}),
    ),
    /** Stops the running download (its partial archive stays, so the next download resumes). */
    cancelDownload: op<{ cancelled: boolean }>()(none),
    samples: op<T.SamplePage>()(
      z.object({
        datasetId,
        split: split.optional(),
        species: z.enum(['cat', 'dog']).optional(),
        breed: z.string().optional(),
        labeled: z.boolean().optional(),
        /** With runId, items carry predictedDice and can be ordered by it. */
        runId: runId.optional(),
        order: z.enum(['id', 'dice-asc', 'dice-desc']).default('id'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      }),
    ),
    sample: op<T.SampleDetail>()(z.object({ datasetId, sampleId })),
    /** JPEG bytes, longest side `size`, cached on disk. */
    thumbnail: op<Uint8Array>()(
      z.object({ datasetId, sampleId, size: z.number().int().min(16).max(1024).default(160) }),
      'bytes',
    ),
    /** The full-size image as PNG bytes (for the mask editor). */
    image: op<Uint8Array>()(z.object({ datasetId, sampleId }), 'bytes'),
    readMask: op<T.MaskImage>()(z.object({ datasetId, sampleId })),
    /** Writes atomically; the replaced mask is kept as a numbered version beside it. */
    saveMask: op<T.SaveMaskResult>()(z.object({ datasetId, sampleId, png: bytes, effort: labelEffort.optional() })),
    augmentPreview: op<{ items: T.AugmentPreviewItem[] }>()(
      z.object({
        datasetId,
        sampleId,
        augment: augmentConfigSchema,
        seed: z.number().int().min(0).default(0),
        count: z.number().int().min(1).max(16).default(4),
        size: z.number().int().min(32).max(512).default(256),
      }),
    ),
  },
  runs: {
    presets: op<T.RunPreset[]>()(none),
    validate: op<T.ConfigValidation>()(z.object({ config: z.unknown() })),
    /** Validates, records a `queued` run and returns at once; training runs in a worker process. */
    start: op<{ runId: number }>()(z.object({ config: z.unknown(), name: z.string().max(200).optional() })),
    list: op<T.RunSummary[]>()(z.object({ limit: z.number().int().min(1).max(10000).default(500) }).default({})),
    get: op<T.RunDetail>()(z.object({ runId })),
    cancel: op<{ cancelled: boolean }>()(z.object({ runId })),
    /** Continues an interrupted/cancelled/failed (or finished, with more epochs) run from `<runDir>/last`. */
    resume: op<{ runId: number }>()(
      z.object({
        runId,
        epochs: z.number().int().min(1).max(10000).optional(),
        /** A cosine run: 'stretch' the one schedule over the new length, or 'restart' it for the extra epochs. */
        schedule: z.enum(['stretch', 'restart']).default('stretch'),
      }),
    ),
    estimateEpoch: op<T.EpochEstimate>()(z.object({ config: z.unknown() })),
  },
  sweeps: {
    /**
     * A grid of settings tried one after another as ordinary runs (all queued at once; the
     * device queue trains them in turn): `config` is the base (the run form's), `grid`
     * 'size=128,160;lr=1e-3,2e-3', each configuration with the time budget `minutesEach`.
     */
    start: op<S.SweepDetail>()(
      z.object({
        config: z.unknown(),
        grid: z.string().min(1).max(2000),
        minutesEach: z.number().gt(0).max(10080).optional(),
        name: z.string().max(200).optional(),
      }),
    ),
    /** Starts the configurations without a run and resumes the interrupted or cancelled ones. */
    resume: op<S.SweepDetail>()(z.object({ sweepId: id })),
    /** The configurations ranked by best valid Dice, and the winner's settings. */
    get: op<S.SweepDetail>()(z.object({ sweepId: id })),
    list: op<S.SweepSummary[]>()(none),
  },
  predictions: {
    /** Predicts every labeled sample of a split with the run's best checkpoint; stores per-image Dice. */
    run: op<T.PredictionResult>()(
      z.object({
        runId,
        datasetId,
        split,
        /** Test-time augmentation: the mean with the mirrored photo's prediction (about 2× the time); on unless asked off. */
        tta: z.boolean().default(true),
        /** Multi-scale: the input sizes to average over (checked against the run's model), or "auto" (shared/tta-sizes.ts); default only the model's own. */
        ttaSizes: z.union([z.literal('auto'), z.array(z.number().int()).min(1).max(MAX_TTA_SIZES)]).optional(),
      }),
    ),
    /** Stored per-image Dice of an earlier prediction (empty items when none). */
    list: op<T.PredictionResult>()(z.object({ runId, datasetId, split })),
    mask: op<T.MaskImage>()(z.object({ runId, datasetId, sampleId })),
  },
  labeling: {
    /**
     * The click-to-segment run's mask for the clicks so far on one photo (clicks in photo pixels;
     * positive = object). The run's checkpoint and the photo's model input stay cached between
     * clicks; `prevMask` is the previous answer's modelMask (RITM's previous-mask channel).
     */
    click: op<T.ClickMaskResult>()(
      z.object({
        datasetId,
        sampleId,
        runId,
        clicks: z
          .array(z.object({ x: z.number().finite(), y: z.number().finite(), positive: z.boolean() }).strict())
          .min(1)
          .max(200),
        prevMask: z.object({ size: z.number().int().min(32).max(1024), runs: maskRuns }).strict().optional(),
      }),
    ),
    /** Click-to-segment runs with a checkpoint, this dataset's first. */
    interactiveRuns: op<T.InteractiveRunInfo[]>()(z.object({ datasetId })),
    /** The labeling effort on record for a dataset: median seconds per mask, suggestions accepted unedited. */
    effort: op<T.EffortSummary>()(z.object({ datasetId })),
  },
  queue: {
    /**
     * Photos ranked for labeling ('unlabeled': most uncertain first, mean p(1−p) of a plain run's
     * prediction) or for review ('review': labels the model disagrees with most first), with the
     * model version that ranked them. runId: default the kept-fresh run, else the newest plain run
     * on the dataset. Cached per (run, dataset); a new checkpoint or a saved label rescoring what changed.
     */
    get: op<Q.QueueResult>()(
      z.object({ datasetId, runId: runId.optional(), kind: z.enum(['unlabeled', 'review']).default('unlabeled'), limit: z.number().int().min(1).max(100000).optional() }),
    ),
    /** The editor's "Next": the top of the queue, skipping `current`. */
    next: op<Q.QueueNext>()(
      z.object({ datasetId, runId: runId.optional(), kind: z.enum(['unlabeled', 'review']).default('unlabeled'), current: sampleId.optional() }),
    ),
    /** A labeled photo's label-vs-prediction difference at the model size: RGBA PNG, red = label only, blue = prediction only. */
    difference: op<Uint8Array>()(z.object({ datasetId, runId: runId.optional(), sampleId }), 'bytes'),
    /** The dataset's "keep the model fresh" setting. */
    keepFresh: op<Q.KeepFreshSettings>()(z.object({ datasetId })),
    setKeepFresh: op<Q.KeepFreshSettings>()(
      z
        .object({
          datasetId,
          enabled: z.boolean(),
          everyMasks: z.number().int().min(1).max(10000).optional(),
          minutes: z.number().gt(0).max(240).optional(),
          runId: runId.nullable().optional(),
        })
        .strict(),
    ),
  },
  exports: {
    /**
     * Writes predicted masks: PNG files (0/255 or 0/1; '0-255'/'0-1' are the older names), COCO
     * annotations.json (RLE) or YOLO-seg polygon .txt files. Emits export:progress.
     */
    masks: op<T.ExportMasksResult>()(
      z.object({
        runId,
        datasetId,
        split,
        folder: pathSchema,
        format: maskExportFormat.default('0-255'),
        /** Replace files already in the folder (each old file is kept in .versions/); else refused. */
        overwrite: z.boolean().default(false),
      }),
    ),
    /** Writes a dataset's own labels (masks/trimaps, decoded by its layout) in the same formats. Emits export:progress (runId null). */
    labels: op<T.ExportLabelsResult>()(
      z.object({
        datasetId,
        split: z.enum(['train', 'valid', 'test', 'all']).default('all'),
        folder: pathSchema,
        format: maskExportFormat.default('png-0-255'),
        /** Replace files already in the folder (each old file is kept in .versions/); else refused. */
        overwrite: z.boolean().default(false),
      }),
    ),
    /**
     * Writes the run's checkpoint into a folder: TensorFlow.js layers format (model.json,
     * weights.bin), ONNX (model.onnx; model-fp16.onnx with fp16) or PyTorch (model.pth, the reference
     * model's state_dict, docs/interop.md). Existing files are refused
     * (CONFLICT) unless overwrite, which keeps each replaced file in .versions/.
     */
    model: op<T.ExportModelResult>()(
      z.object({
        runId,
        folder: pathSchema,
        which: z.enum(['best', 'last']).default('best'),
        format: z.enum(['tfjs', 'onnx', 'pytorch']).default('tfjs'),
        /** ONNX only: float16 weights and arithmetic (float32 input and output). */
        fp16: z.boolean().default(false),
        overwrite: z.boolean().default(false),
      }),
    ),
  },
  system: {
    backends: op<T.BackendInfo[]>()(none),
    device: op<T.DeviceInfo>()(none),
    version: op<T.VersionInfo>()(none),
    dataFolder: op<T.DataFolderInfo>()(none),
    /** The desktop app's native folder dialog; NOT_AVAILABLE over HTTP (type the path there). */
    pickFolder: op<T.PickFolderResult>()(
      z.object({ title: z.string().max(200).optional(), defaultPath: pathSchema.optional() }).strict().default({}),
    ),
  },
} as const;

export type Contract = typeof contract;
export type Domain = keyof Contract;
export type OpName<D extends Domain> = keyof Contract[D] & string;
type Def<D extends Domain, O extends OpName<D>> = Contract[D][O];
export type OpArgsInput<D extends Domain, O extends OpName<D>> =
  Def<D, O> extends OpDef<infer A, unknown> ? z.input<A> : never;
export type OpArgs<D extends Domain, O extends OpName<D>> = Def<D, O> extends OpDef<infer A, unknown> ? z.output<A> : never;
export type OpResult<D extends Domain, O extends OpName<D>> = Def<D, O> extends OpDef<z.ZodTypeAny, infer R> ? R : never;

export const DOMAINS = Object.keys(contract) as Domain[];

/** Looks an operation up by its two names (HTTP path segments, IPC channel parts). */
export function findOperation(domain: string, opName: string): OpDef<z.ZodTypeAny, unknown> | undefined {
  if (!Object.prototype.hasOwnProperty.call(contract, domain)) return undefined;
  const ops = contract[domain as Domain] as Record<string, OpDef<z.ZodTypeAny, unknown>>;
  return Object.prototype.hasOwnProperty.call(ops, opName) ? ops[opName] : undefined;
}

/** Every (domain, op) pair, for registering handlers and routes. */
export function listOperations(): Array<{ domain: Domain; op: string; def: OpDef<z.ZodTypeAny, unknown> }> {
  const out: Array<{ domain: Domain; op: string; def: OpDef<z.ZodTypeAny, unknown> }> = [];
  for (const domain of DOMAINS) {
    for (const [name, def] of Object.entries(contract[domain])) out.push({ domain, op: name, def: def as OpDef<z.ZodTypeAny, unknown> });
  }
  return out;
}
