// Events over the WebSocket at /api/events. The socket reconnects with a growing delay (a server
// restart or a sleeping laptop must not leave the run page frozen) and tells listeners about
// its state so the UI can say "reconnecting".
import { decodeWire, EVENTS_PATH, type EventName, type StudioEvent, type StudioEvents } from '../../../shared/contract';

type Listener = (payload: unknown) => void;
export type SocketState = 'connecting' | 'open' | 'closed';

export class ReconnectingEvents {
  private ws: WebSocket | null = null;
  private readonly listeners = new Map<EventName, Set<Listener>>();
  private readonly stateListeners = new Set<(s: SocketState) => void>();
  private delay = 500;
  private stopped = false;
  state: SocketState = 'connecting';

  constructor(private readonly token: string) {
    this.connect();
  }

  private setState(s: SocketState): void {
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private connect(): void {
    if (this.stopped) return;
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${window.location.host}${EVENTS_PATH}?token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    this.setState('connecting');
    ws.onopen = () => {
      this.delay = 500;
      this.setState('open');
    };
    ws.onmessage = (m) => {
      if (typeof m.data !== 'string') return;
      let msg: StudioEvent;
      try {
        msg = decodeWire<StudioEvent>(m.data);
      } catch {
        return;
      }
      const set = this.listeners.get(msg.event);
      if (set) for (const l of [...set]) l(msg.payload);
    };
    ws.onclose = () => {
      this.ws = null;
      if (this.stopped) return;
      this.setState('closed');
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10_000);
    };
  }

  on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  onState(listener: (s: SocketState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.stopped = true;
    this.ws?.close();
  }
}
