// System facts for the UI: compute backends, the machine, versions, where data lives.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listBackends } from '../engine/backend/select-backend';
import { StudioError, type BackendInfo, type DataFolderInfo, type DeviceInfo, type PickFolderResult, type VersionInfo } from '../shared/contract';
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

/** Shows a native folder chooser; resolves to the chosen folder, or null when cancelled. */
export type PickFolder = (opts: { title?: string; defaultPath?: string }) => Promise<string | null>;

export class SystemService {
  private readonly appVersion = readAppVersion();

  constructor(
    private readonly paths: AppPaths,
    private readonly picker?: PickFolder,
  ) {}

  /** Only a host with a screen and a dialog (Electron) can pick; the HTTP host says so. */
  async pickFolder(opts: { title?: string; defaultPath?: string }): Promise<PickFolderResult> {
    if (!this.picker) throw new StudioError('NOT_AVAILABLE', 'no folder dialog here: type the folder path instead');
    return { path: await this.picker(opts) };
  }

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
