// IPC handlers of the `queue` domain (labeling queue, review list, keep-fresh; arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerQueueIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('queue', dispatch, devServerUrl);
}
