// IPC handlers of the `system` domain (arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerSystemIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('system', dispatch, devServerUrl);
}
