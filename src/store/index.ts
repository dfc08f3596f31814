// The store's public surface; services reach it through services/store-adapter.ts.
export type { Database } from './db-types';
export { openDatabase, type OpenDatabaseOptions } from './open-database';
export { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations';
export { openStore, type Store } from './store';
export { DatasetsRepo, type DatasetCounts, type DatasetRecord, type StoredImportReport } from './datasets-repo';
export { SamplesRepo, toEngineSample, type LabelStatus, type SampleInput, type SampleQuery, type SampleRecord, type SampleWithDice } from './samples-repo';
export { RunsRepo, RUN_STATUSES, isPidAlive, type BestSoFar, type CreateRunOptions, type RunRecord, type RunStatus, type RunWithMetrics } from './runs-repo';
export { SweepsRepo, type SweepConfigurationRecord, type SweepRecord } from './sweeps-repo';
export { EffortRepo, median, summarizeEffort, type EffortInput, type EffortRecord } from './effort-repo';
export { DeviceClaimsRepo, type ClaimResult, type DeviceClaim } from './device-claims-repo';
export { currentOwner, LEASE_RENEW_MS, LEASE_TTL_MS, processStartId, type ProcessOwner } from './process-owner';
export { MetricsRepo, type EpochMetricsRecord } from './metrics-repo';
export { PredictionsRepo, type PredictionInput, type PredictionRecord } from './predictions-repo';
export { ExportsRepo, type ExportKind, type ExportRecord, type ExportStatus } from './exports-repo';
export { APP_FOLDER, DB_FILE, dbFlagFromArgv, defaultDbPath, userDataDir, type DbPathInputs } from './default-db-path';
