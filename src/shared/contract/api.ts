// The API shapes the renderer sees, derived from the operation table so they cannot drift:
// `StudioBridge` is what the Electron preload exposes as `window.studio` (answers are still
// envelopes, because contextBridge would strip an Error's code); `StudioApi` is what the
// renderer's client offers after unwrapping (errors thrown as StudioError).
import type { Contract, Domain, OpArgsInput, OpName, OpResult } from './operations';
import type { Envelope } from './envelope';
import type { EventName, StudioEvents } from './events';

export type Unsubscribe = () => void;

export type BridgeDomain<D extends Domain> = {
  [O in OpName<D>]: (args?: OpArgsInput<D, O>) => Promise<Envelope<OpResult<D, O>>>;
};

export type ApiDomain<D extends Domain> = {
  [O in OpName<D>]: (args?: OpArgsInput<D, O>) => Promise<OpResult<D, O>>;
};

export type StudioBridge = { [D in keyof Contract]: BridgeDomain<D> } & {
  on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): Unsubscribe;
};

export type StudioApi = { [D in keyof Contract]: ApiDomain<D> } & {
  on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): Unsubscribe;
};

/** Electron IPC channel of one operation. */
export function ipcChannel(domain: string, op: string): string {
  return `studio:${domain}:${op}`;
}

/** IPC channel on which main sends every event as {event, payload}. */
export const EVENT_CHANNEL = 'studio:event';

/** HTTP path of one operation (POST, JSON body, wire-encoded answer envelope). */
export function httpPath(domain: string, op: string): string {
  return `/api/${domain}/${op}`;
}

/** WebSocket path for events; the token goes in `?token=` since browsers cannot set headers there. */
export const EVENTS_PATH = '/api/events';

/** GET paths that answer raw image bytes, for <img src> (token in `?token=`). */
export const MEDIA_PATHS = {
  /** ?datasetId=&sampleId=&size= → image/jpeg */
  thumbnail: '/api/media/thumbnail',
  /** ?datasetId=&sampleId= → image/png */
  image: '/api/media/image',
  /** ?datasetId=&sampleId= → image/png (0/255) */
  mask: '/api/media/mask',
  /** ?runId=&datasetId=&sampleId= → image/png (0/255) */
  predictedMask: '/api/media/predicted-mask',
} as const;

declare global {
  interface Window {
    /** Present only inside the Electron app (set by the preload script). */
    studio?: StudioBridge;
  }
}
