// IPC handlers of the `datasets` domain (arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerDatasetsIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('datasets', dispatch, devServerUrl);
}
