// IPC handlers of the `labeling` domain (click-to-segment, labeling effort; arguments validated by the contract's schemas).
import type { Dispatch } from '../../services/handlers';
import { registerDomain } from './register-ops';

export function registerLabelingIpc(dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  return registerDomain('labeling', dispatch, devServerUrl);
}
