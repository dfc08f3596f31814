// Where the app keeps its files: the SQLite database, run folders (checkpoints), caches
// (thumbnails, predicted masks). Everything derives from one data folder.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface AppPaths {
  dataFolder: string;
  dbPath: string;
  runsFolder: string;
  thumbnailsFolder: string;
  predictionsFolder: string;
}

/** The data folder is the database's folder, so `--db /x/studio.db` keeps everything under /x. */
export function appPathsFor(dbPath: string): AppPaths {
  const db = resolve(dbPath);
  const dataFolder = dirname(db);
  const paths: AppPaths = {
    dataFolder,
    dbPath: db,
    runsFolder: join(dataFolder, 'runs'),
    thumbnailsFolder: join(dataFolder, 'cache', 'thumbnails'),
    predictionsFolder: join(dataFolder, 'predictions'),
  };
  for (const p of [paths.dataFolder, paths.runsFolder, paths.thumbnailsFolder, paths.predictionsFolder]) mkdirSync(p, { recursive: true });
  return paths;
}
