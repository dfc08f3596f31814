// The renderer's one door to the studio: Electron's preload bridge when present, else HTTP +
// WebSocket with the page's token. Either way callers get StudioApi: plain results, failures
// thrown as StudioError (with code), events through `on`.
import {
  contract,
  DOMAINS,
  unwrapEnvelope,
  type Envelope,
  type StudioApi,
  type StudioBridge,
} from '../../../shared/contract';
import { postOperation } from './http-transport';
import { ReconnectingEvents, type SocketState } from './event-socket';
import { readToken } from './token';

export interface StudioClient {
  api: StudioApi;
  transport: 'electron' | 'http';
  /** The HTTP token (media URLs need it); null under Electron. */
  token: string | null;
  /** Event connection state; always 'open' under Electron (IPC cannot drop). */
  socketState(): SocketState;
  onSocketState(listener: (s: SocketState) => void): () => void;
}

type Call = (domain: string, op: string, args: unknown) => Promise<Envelope<unknown>>;

function buildApi(call: Call, on: StudioApi['on']): StudioApi {
  const api: Record<string, unknown> = { on };
  for (const domain of DOMAINS) {
    const ops: Record<string, (args?: unknown) => Promise<unknown>> = {};
    for (const op of Object.keys(contract[domain])) {
      ops[op] = async (args?: unknown) => unwrapEnvelope(await call(domain, op, args ?? {}));
    }
    api[domain] = ops;
  }
  return api as unknown as StudioApi;
}

function fromBridge(bridge: StudioBridge): StudioClient {
  const call: Call = (domain, op, args) => {
    const ops = bridge[domain as keyof StudioBridge] as unknown as Record<string, (a: unknown) => Promise<Envelope<unknown>>>;
    return ops[op]!(args);
  };
  return {
    api: buildApi(call, (event, listener) => bridge.on(event, listener)),
    transport: 'electron',
    token: null,
    socketState: () => 'open',
    onSocketState: () => () => undefined,
  };
}

function overHttp(token: string): StudioClient {
  const events = new ReconnectingEvents(token);
  return {
    api: buildApi((d, o, a) => postOperation(token, d, o, a), (event, listener) => events.on(event, listener)),
    transport: 'http',
    token,
    socketState: () => events.state,
    onSocketState: (l) => events.onState(l),
  };
}

/** Null when the page runs in a browser without a token (the UI then says how to get one). */
export function createClient(): StudioClient | null {
  if (window.studio) return fromBridge(window.studio);
  const token = readToken();
  return token ? overHttp(token) : null;
}
