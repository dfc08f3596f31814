// Events over WebSocket at /api/events: every bus event goes to every authorised client as a
// wire-encoded {event, payload}. The token is checked at the upgrade, before a socket exists.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeWire } from '../shared/contract';
import type { EventBus } from '../services/event-bus';

export class EventsSocket {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly unsubscribe: () => void;

  constructor(bus: EventBus) {
    this.unsubscribe = bus.subscribe((message) => {
      const text = encodeWire(message);
      for (const client of this.wss.clients) if (client.readyState === client.OPEN) client.send(text);
    });
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.wss.emit('connection', ws, req);
      // Ignore what clients send: the socket is one-way; calls go through POST.
      ws.on('message', () => undefined);
    });
  }

  close(): void {
    this.unsubscribe();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}
