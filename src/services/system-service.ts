// System facts for the UI: compute backends, the machine, versions, where data lives.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listBackends } from '../engine/backend/select-backend';
import type { BackendInfo, DataFolderInfo, DeviceInfo, VersionInfo } from '../shared/contract';
import type { AppPaths } from './app-paths';

/** package.json two folders up from src/services or from out/main (the bundled main). */
function readAppVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pet-segmentation-studio' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export class SystemService {
  private readonly appVersion = readAppVersion();

  constructor(private readonly paths: AppPaths) {}

  async backends(): Promise<BackendInfo[]> {
    const list = await listBackends();
    return list.map((b) => ({ name: b.name, available: b.available, detail: (b.available ? b.device : b.reason) ?? '' }));
  }

  device(): DeviceInfo {
    const c = cpus();
    return {
      platform: process.platform,
      arch: process.arch,
      cpuModel: c[0]?.model ?? 'unknown',
      cpus: c.length,
      totalMemoryBytes: totalmem(),
      freeMemoryBytes: freemem(),
    };
  }

  async version(): Promise<VersionInfo> {
    let tfjs: string | null = null;
    try {
      tfjs = (await import('@tensorflow/tfjs')).version.tfjs;
    } catch {
      tfjs = null;
    }
    return { app: this.appVersion, node: process.versions.node, electron: process.versions.electron ?? null, tfjs };
  }

  dataFolder(): DataFolderInfo {
    return { dataFolder: this.paths.dataFolder, dbPath: this.paths.dbPath, runsFolder: this.paths.runsFolder };
  }
}
