// Subscribes to a studio event for the component's lifetime; the latest handler is used without
// resubscribing on every render.
import { useEffect, useRef } from 'react';
import type { EventName, StudioEvents } from '../../../shared/contract';
import { useApi } from '../app-context';

export function useEvent<E extends EventName>(event: E, handler: (payload: StudioEvents[E]) => void): void {
  const api = useApi();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => api.on(event, (p) => ref.current(p)), [api, event]);
}
