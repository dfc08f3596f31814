// Labeling effort on record (issue 13): the editor sends, with each saved mask, the active
// seconds, clicks and strokes behind it and the suggestion it started from; one row per save in
// `label_effort` (store/effort-repo.ts), summarised per dataset for the dataset page and the CLI.
import type { EffortSummary, LabelEffort } from '../shared/contract';
import type { DatasetsService } from './datasets-service';
import type { StudioStore } from './store-types';

export class EffortService {
  constructor(private readonly deps: { store: StudioStore; datasets: DatasetsService }) {}

  /**
   * Records the effort of a mask that has just been saved. The mask is already on disk: a failure
   * to record is reported on stderr and does not turn the save into an error.
   */
  recordSave(datasetId: number, sampleId: string, maskPath: string, effort: LabelEffort): number | null {
    try {
      return this.deps.store.effort.record(datasetId, sampleId, maskPath, effort);
    } catch (err) {
      process.stderr.write(`labeling effort of ${sampleId} (dataset ${datasetId}) not recorded: ${(err as Error).message}\n`);
      return null;
    }
  }

  summary(datasetId: number): EffortSummary {
    this.deps.datasets.mustGet(datasetId);
    return this.deps.store.effort.summary(datasetId);
  }
}
