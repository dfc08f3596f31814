// The in-process event bus: services publish, every transport (Electron windows, WebSocket
// clients, the CLI) subscribes. One bus per app instance, so two transports see the same events.
import type { EventName, StudioEvent, StudioEvents } from '../shared/contract';

export type BusListener = (event: StudioEvent) => void;

export class EventBus {
  private readonly listeners = new Set<BusListener>();

  emit<E extends EventName>(event: E, payload: StudioEvents[E]): void {
    const message = { event, payload } as StudioEvent;
    for (const l of [...this.listeners]) {
      try {
        l(message);
      } catch (err) {
        // A broken subscriber (a closed socket, a destroyed window) must not stop the others.
        process.emitWarning(`event listener failed on ${event}: ${(err as Error).message}`);
      }
    }
  }

  /** Receives every event; returns the unsubscribe function. */
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Receives one kind of event. */
  on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): () => void {
    return this.subscribe((m) => {
      if (m.event === event) listener(m.payload as StudioEvents[E]);
    });
  }

  get size(): number {
    return this.listeners.size;
  }
}
