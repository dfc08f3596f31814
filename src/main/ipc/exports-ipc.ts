// IPC handlers of the `exports` domain (arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerExportsIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('exports', dispatch, devServerUrl);
}
