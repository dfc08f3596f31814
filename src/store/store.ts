// One open database with its repositories: what a process (app, CLI, worker) holds for its life.
import type { Database } from './db-types';
import { DatasetsRepo } from './datasets-repo';
import { DeviceClaimsRepo } from './device-claims-repo';
import { EffortRepo } from './effort-repo';
import { ExportsRepo } from './exports-repo';
import { MetricsRepo } from './metrics-repo';
import { openDatabase, type OpenDatabaseOptions } from './open-database';
import { PredictionsRepo } from './predictions-repo';
import { RunsRepo } from './runs-repo';
import { SamplesRepo } from './samples-repo';
import { SweepsRepo } from './sweeps-repo';

export interface Store {
  db: Database;
  file: string;
  datasets: DatasetsRepo;
  samples: SamplesRepo;
  runs: RunsRepo;
  metrics: MetricsRepo;
  predictions: PredictionsRepo;
  exports: ExportsRepo;
  deviceClaims: DeviceClaimsRepo;
  effort: EffortRepo;
  sweeps: SweepsRepo;
  /** `PRAGMA integrity_check`: 'ok' when healthy, else SQLite's list of problems. */
  integrityCheck(): string;
  close(): void;
}

export function openStore(file: string, opts: OpenDatabaseOptions = {}): Store {
  const db = openDatabase(file, opts);
  return {
    db,
    file: db.name,
    datasets: new DatasetsRepo(db),
    samples: new SamplesRepo(db),
    runs: new RunsRepo(db),
    metrics: new MetricsRepo(db),
    predictions: new PredictionsRepo(db),
    exports: new ExportsRepo(db),
    deviceClaims: new DeviceClaimsRepo(db),
    effort: new EffortRepo(db),
    sweeps: new SweepsRepo(db),
    integrityCheck: () => (db.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('\n'),
    close: () => {
      if (db.open) db.close();
    },
  };
}
