// Tells the user when live updates are interrupted (the WebSocket is reconnecting).
import { useEffect, useState } from 'react';
import { useApp } from '../app-context';

export function ConnectionStatus() {
  const { client } = useApp();
  const [state, setState] = useState(client.socketState());
  useEffect(() => client.onSocketState(setState), [client]);
  // 'connecting' at start-up is normal and brief; only a lost connection is worth a banner.
  if (state !== 'closed') return null;
  return (
    <div className="connection" role="status">
      Live updates lost; reconnecting…
    </div>
  );
}
