// Tells the user when live updates are interrupted (the WebSocket is reconnecting).
import { useEffect, useState } from 'react';
import { useApp } from '../app-context';

export function ConnectionStatus() {
  const { client } = useApp();
  const [state, setState] = useState(client.socketState());
  useEffect(() => client.onSocketState(setState), [client]);
  if (state === 'open') return null;
  return (
    <div className="connection" role="status">
      {state === 'connecting' ? 'Connecting to live updates…' : 'Live updates lost; reconnecting…'}
    </div>
  );
}
