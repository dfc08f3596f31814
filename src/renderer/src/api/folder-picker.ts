// The native folder dialog exists only inside the desktop app (system.pickFolder answers
// NOT_AVAILABLE over HTTP), so the UI offers a "Choose…" button only where it works and keeps the
// typed path field everywhere.
import type { StudioApi } from '../../../shared/contract';

export function hasFolderPicker(): boolean {
  return typeof window !== 'undefined' && Boolean(window.studio);
}

/** The chosen folder, or null when the user cancelled. */
export async function pickFolder(api: StudioApi, title: string): Promise<string | null> {
  return (await api.system.pickFolder({ title })).path;
}
