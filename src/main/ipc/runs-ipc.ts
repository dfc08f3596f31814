// IPC handlers of the `runs` domain (arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerRunsIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('runs', dispatch, devServerUrl);
}
