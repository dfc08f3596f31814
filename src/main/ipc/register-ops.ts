// Registers one domain's operations on ipcMain. Each handler checks that the call comes from the
// app's own page (the top frame, at the app's exact origin), then validates arguments with the contract's schema (inside dispatch) before
// any service runs; the answer is always an envelope.
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { contract, errorEnvelope, ipcChannel, StudioError, type Domain } from '../../shared/contract';
import type { Dispatch } from '../../services/handlers';
import { isAppUrl } from '../security';

export function registerDomain(domain: Domain, dispatch: Dispatch, devServerUrl: string | undefined): () => void {
  const channels: string[] = [];
  for (const op of Object.keys(contract[domain])) {
    const channel = ipcChannel(domain, op);
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, args: unknown) => {
      const frame = event.senderFrame;
      const from = frame?.url ?? '';
      if (!frame || frame.parent !== null || !isAppUrl(from, devServerUrl)) {
        return errorEnvelope(new StudioError('UNAUTHORIZED', `call from ${from || 'an unknown frame'} refused`));
      }
      return dispatch(domain, op, args);
    });
    channels.push(channel);
  }
  return () => channels.forEach((c) => ipcMain.removeHandler(c));
}
