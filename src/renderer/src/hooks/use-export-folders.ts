// Default folders for exports: under the app's data folder (exports/masks, exports/models), never
// beside a dataset, whose folder may be the app's own (read-only in a packaged app, replaced on
// update) or a shared copy the user does not expect files in. The user can still type any folder.
import { useApi } from '../app-context';
import { useAsync } from './use-async';

/** The same separator the data folder already uses (a Windows path keeps its backslashes). */
function joinUnder(root: string, ...parts: string[]): string {
  const sep = root.includes('\\') && !root.includes('/') ? '\\' : '/';
  return [root.replace(/[\\/]+$/, ''), ...parts].join(sep);
}

export interface ExportFolders {
  masks: (runId: number, split: string) => string;
  model: (runId: number) => string;
  /** A dataset's own labels (PNG, COCO or YOLO). */
  labels: (datasetId: number) => string;
}

/** Null until the data folder is known (a form would otherwise start from an empty default). */
export function useExportFolders(): ExportFolders | null {
  const api = useApi();
  const info = useAsync(() => api.system.dataFolder(), [api]);
  const root = info.data?.dataFolder;
  if (!root) return null;
  return {
    masks: (runId, split) => joinUnder(root, 'exports', 'masks', `run-${runId}-${split}`),
    model: (runId) => joinUnder(root, 'exports', 'models', `run-${runId}`),
    labels: (datasetId) => joinUnder(root, 'exports', 'labels', `dataset-${datasetId}`),
  };
}
