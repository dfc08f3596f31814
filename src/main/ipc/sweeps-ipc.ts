// IPC handlers of the `sweeps` domain (grids of runs; arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerSweepsIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('sweeps', dispatch, devServerUrl);
}
