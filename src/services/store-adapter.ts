// The one bridge between the services' view of the store (store-types.ts, in the contract's
// shapes) and the SQLite repositories in src/store.
import { currentOwner, openStore, toEngineSample, type DatasetRecord, type DeviceClaim, type RunRecord as DbRunRecord, type Store } from '../store';
import type { OpenDatabaseOptions, SweepRecord } from '../store';
import { parseRunConfig } from '../shared/run-config';
import type { DatasetSummary, RunStatus } from '../shared/contract';
import type { StudioStore, RunRecord, SampleRow, DeviceHolder, StoredSweep } from './store-types';

function datasetSummary(d: DatasetRecord): DatasetSummary {
  return {
    id: d.id,
    root: d.root,
    name: d.name,
    layout: d.layout,
    counts: d.counts,
    skipped: d.skippedCount,
    importedAt: d.lastUsedAt,
    createdAt: d.createdAt,
    lastUsedAt: d.lastUsedAt,
  };
}

function runRecord(r: DbRunRecord): RunRecord {
  return {
    id: r.id,
    name: r.name,
    status: r.status as RunStatus,
    model: r.config.model,
    datasetPath: r.config.data,
    epochs: r.config.epochs,
    epochsCompleted: r.epochsDone,
    bestValidDice: r.bestValidDice,
    bestEpoch: r.bestEpoch,
    testDice: r.testDice,
    backend: r.backend,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.endedAt,
    error: r.error,
    config: r.config,
    runDir: r.outputDir ?? '',
  };
}

function storedSweep(r: SweepRecord): StoredSweep {
  return { ...r, configurations: r.configurations.map((c) => ({ ...c, config: parseRunConfig(c.config) })) };
}

function deviceHolder(c: DeviceClaim): DeviceHolder {
  return { device: c.device, runId: c.runId, runName: c.runName, ownerPid: c.ownerPid, ownerHost: c.ownerHost, claimedAt: c.claimedAt };
}

export function adaptStore(s: Store): StudioStore {
  return {
    runs: {
      create({ name, config, runDirFor }) {
        // This process owns the queued run (pid, start identity, host, lease): if it dies before
        // starting it, the next read of runs sees the owner gone and marks it interrupted.
        const id = s.runs.create(config, { name, outputDir: runDirFor, owner: currentOwner() });
        return runRecord(s.runs.get(id)!);
      },
      // The owner recorded is this process (the app, the server or the CLI that supervises the
      // worker, or trains itself): when it is gone, the next read marks the run interrupted.
      markRunning: (id, info) => s.runs.markRunning(id, { ...info, owner: currentOwner() }),
      recordEpoch: (id, metrics, best) => s.runs.recordEpoch(id, metrics, best),
      planEpochs: (id, epochs) => s.runs.planEpochs(id, epochs),
      finish: (id, info) => s.runs.finish(id, info),
      fail: (id, message) => s.runs.fail(id, message),
      cancel: (id) => s.runs.cancel(id),
      markInterrupted: (id, reason) => s.runs.markInterrupted(id, reason),
      recoverInterrupted: (opts) => s.runs.recoverInterrupted(undefined, opts),
      requeue: (id, config) => s.runs.requeue(id, config, { owner: currentOwner() }),
      list: (limit) => s.runs.list({ limit }).map(runRecord),
      get: (id) => {
        const r = s.runs.get(id);
        return r ? runRecord(r) : undefined;
      },
      metrics: (id) => s.metrics.listForRun(id),
      trainingSeconds: () => s.metrics.trainingSecondsByRun(),
      status: (id) => s.runs.status(id) as RunStatus | undefined,
    },
    datasets: {
      saveImport: (report) => datasetSummary(s.datasets.saveImport(report)),
      relocate: (id, report) => datasetSummary(s.datasets.relocate(id, report)),
      touch: (id) => s.datasets.touch(id),
      list: () => s.datasets.list().map(datasetSummary),
      get: (id) => {
        const d = s.datasets.get(id);
        return d ? datasetSummary(d) : undefined;
      },
      remove: (id) => s.datasets.remove(id),
      samples(datasetId, q) {
        const res = s.samples.query(datasetId, {
          split: q.split,
          species: q.species,
          breed: q.breed,
          labeled: q.labeled,
          runId: q.runId,
          order: q.order === 'id' ? 'stem' : q.order,
          offset: q.offset,
          limit: q.limit,
        });
        return {
          total: res.total,
          items: res.items.map((r): SampleRow => {
            const row: SampleRow = toEngineSample(r);
            if (r.predictedDice !== null) row.predictedDice = r.predictedDice;
            return row;
          }),
        };
      },
      sample: (datasetId, sampleId) => {
        const r = s.samples.get(datasetId, sampleId);
        return r ? toEngineSample(r) : undefined;
      },
      samplesOfSplit: (datasetId, split) => s.samples.ofSplit(datasetId, split).map(toEngineSample),
      setMaskPath: (datasetId, sampleId, maskPath, encoding) => s.samples.setMask(datasetId, sampleId, maskPath, encoding),
    },
    predictions: {
      save: (runId, datasetId, split, items) =>
        s.predictions.replace(runId, datasetId, split, items.map((i) => ({ stem: i.sampleId, dice: i.dice, maskPath: i.maskPath }))),
      list: (runId, datasetId, split) =>
        s.predictions.list(runId, datasetId, split).map((p) => ({ sampleId: p.stem, dice: p.dice ?? Number.NaN, maskPath: p.maskPath })),
      get: (runId, datasetId, sampleId) => {
        const p = s.predictions.get(runId, datasetId, sampleId);
        return p ? { dice: p.dice ?? Number.NaN, maskPath: p.maskPath } : undefined;
      },
    },
    exports: {
      create: ({ runId, kind, folder, detail }) => s.exports.create({ runId, kind, destination: folder, detail }),
      finish: (id, files) => s.exports.finish(id, files),
      fail: (id, message) => s.exports.fail(id, message),
    },
    sweeps: {
      create: (input) => s.sweeps.create(input),
      get: (id) => {
        const r = s.sweeps.get(id);
        return r ? storedSweep(r) : undefined;
      },
      list: (limit) => s.sweeps.list(limit).map(storedSweep),
      attachRun: (sweepId, position, runId) => s.sweeps.attachRun(sweepId, position, runId),
      setFinished: (id, finished) => s.sweeps.setFinished(id, finished),
    },
    effort: {
      record: (datasetId, sampleId, maskPath, effort) => s.effort.record(datasetId, sampleId, maskPath, effort),
      list: (datasetId) => s.effort.list(datasetId),
      summary: (datasetId) => s.effort.summary(datasetId),
    },
    devices: {
      claim(device, runId) {
        const r = s.deviceClaims.claim(device, runId, currentOwner());
        if (!r.acquired) return { acquired: false, holder: deviceHolder(r.holder) };
        return r.tookOver ? { acquired: true, tookOver: { holder: deviceHolder(r.tookOver.claim), reason: r.tookOver.reason } } : { acquired: true };
      },
      release: (device, runId) => s.deviceClaims.release(device, runId, currentOwner()),
    },
    renewLeases: () => {
      const owner = currentOwner();
      s.runs.renewLeases(owner);
      s.deviceClaims.renewLeases(owner);
    },
    integrityCheck: () => s.integrityCheck(),
    close: () => s.close(),
  };
}

export function openStudioStore(file: string, opts: OpenDatabaseOptions = {}): StudioStore {
  return adaptStore(openStore(file, opts));
}
