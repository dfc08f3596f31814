// IPC handlers of the `predictions` domain (arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerPredictionsIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('predictions', dispatch, devServerUrl);
}
