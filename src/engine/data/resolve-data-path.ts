// Where a dataset named on the command line or in a run config lives. "sample" is the dataset
// that ships in resources/: found next to the sources in development and under the app's
// resources folder in a packaged build (SEG_STUDIO_RESOURCES, set by the Electron main process).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function resourcesDir(): string {
  const fromEnv = process.env.SEG_STUDIO_RESOURCES;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  // src/engine/data → repository root → resources
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'sample-dataset'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find the resources folder holding the sample dataset (set SEG_STUDIO_RESOURCES)');
}

export function sampleDatasetDir(): string {
  return join(resourcesDir(), 'sample-dataset');
}

export function resolveDataPath(data: string): string {
  if (data === 'sample') return sampleDatasetDir();
  const abs = resolve(data);
  if (!existsSync(abs)) throw new Error(`${abs}: dataset folder does not exist`);
  return abs;
}
