// Every way out of the label editor while it has unsaved edits: links and buttons inside the app
// (held by the router until the user chooses save, discard or stay), and reload or closing the
// tab or window (the browser's own "leave site?" prompt; Electron's main process asks instead,
// src/main/unsaved-close.ts). The draft is written first either way, so even a forced close
// keeps the edits for the next visit.
import { useCallback, useEffect, useRef, useState } from 'react';
import { setLeaveGuard } from '../router';

export interface PendingLeave {
  target: string;
  stay: () => void;
  discardAndLeave: () => void;
  saveAndLeave: () => Promise<void>;
}

export function useLeaveGuard(opts: { dirty: boolean; flush: () => void; discard: () => void; save: () => Promise<boolean> }): PendingLeave | null {
  const [pending, setPending] = useState<{ target: string; proceed: () => void } | null>(null);
  const latest = useRef(opts);
  latest.current = opts;

  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      latest.current.flush();
      if (!latest.current.dirty) return;
      e.preventDefault();
      e.returnValue = ''; // older Chromium (Electron) needs it set to prompt
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    const removeGuard = setLeaveGuard((target, proceed) => {
      if (!latest.current.dirty) return false;
      setPending({ target, proceed });
      return true;
    });
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      removeGuard();
    };
  }, []);

  const stay = useCallback(() => setPending(null), []);
  if (!pending) return null;
  return {
    target: pending.target,
    stay,
    discardAndLeave: () => {
      latest.current.discard();
      setPending(null);
      pending.proceed();
    },
    saveAndLeave: async () => {
      if (!(await latest.current.save())) {
        setPending(null); // the save failed: stay, with its error shown on the page
        return;
      }
      setPending(null);
      pending.proceed();
    },
  };
}
