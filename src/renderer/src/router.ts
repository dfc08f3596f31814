// Hash routes (#/runs/3): work from file:// under Electron and from the HTTP host alike, survive
// reloads, and give the browser's back button something to do.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'datasets'; datasetId?: number }
  | { page: 'sample'; datasetId: number; sampleId: string }
  | { page: 'augment'; datasetId?: number; sampleId?: string }
  | { page: 'new-run' }
  | { page: 'runs' }
  | { page: 'run'; runId: number }
  | { page: 'sweep'; sweepId: number }
  | { page: 'predictions'; runId?: number; datasetId?: number }
  | { page: 'queue'; datasetId: number; kind: 'unlabeled' | 'review' };

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const num = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : undefined);
  switch (parts[0]) {
    case 'sample': {
      const datasetId = num(parts[1]);
      if (datasetId && parts[2]) return { page: 'sample', datasetId, sampleId: parts.slice(2).join('/') };
      return { page: 'datasets' };
    }
    case 'augment':
      return { page: 'augment', datasetId: num(parts[1]), sampleId: parts[2] || undefined };
    case 'new-run':
      return { page: 'new-run' };
    case 'runs':
      return parts[1] && num(parts[1]) ? { page: 'run', runId: num(parts[1])! } : { page: 'runs' };
    case 'predictions':
      return { page: 'predictions', runId: num(parts[1]), datasetId: num(parts[2]) };
    case 'queue': {
      const datasetId = num(parts[1]);
      if (datasetId) return { page: 'queue', datasetId, kind: parts[2] === 'review' ? 'review' : 'unlabeled' };
      return { page: 'datasets' };
    }
    case 'sweeps':
      return num(parts[1]) ? { page: 'sweep', sweepId: num(parts[1])! } : { page: 'runs' };
    default:
      return { page: 'datasets', datasetId: num(parts[1]) };
  }
}

export function hrefFor(r: Route): string {
  const e = encodeURIComponent;
  switch (r.page) {
    case 'datasets':
      return r.datasetId ? `#/datasets/${r.datasetId}` : '#/datasets';
    case 'sample':
      return `#/sample/${r.datasetId}/${e(r.sampleId)}`;
    case 'augment':
      return `#/augment${r.datasetId ? `/${r.datasetId}` : ''}${r.sampleId ? `/${e(r.sampleId)}` : ''}`;
    case 'new-run':
      return '#/new-run';
    case 'runs':
      return '#/runs';
    case 'run':
      return `#/runs/${r.runId}`;
    case 'sweep':
      return `#/sweeps/${r.sweepId}`;
    case 'queue':
      return `#/queue/${r.datasetId}/${r.kind}`;
    case 'predictions':
      return `#/predictions${r.runId ? `/${r.runId}` : ''}${r.runId && r.datasetId ? `/${r.datasetId}` : ''}`;
  }
}

/**
 * A page with work that leaving would lose (the label editor's unsaved strokes) holds the way
 * out: given the hash the user is going to, it returns true to keep them here for now, and calls
 * `proceed` later if they choose to go after all (after saving or discarding).
 */
export type LeaveGuard = (targetHash: string, proceed: () => void) => boolean;

let leaveGuard: LeaveGuard | null = null;
/** Set while a held navigation is let through, so the guard does not ask twice. */
let passing = false;

/** Installs the guard; returns its removal. One at a time: the page on screen. */
export function setLeaveGuard(g: LeaveGuard): () => void {
  leaveGuard = g;
  return () => {
    if (leaveGuard === g) leaveGuard = null;
  };
}

function go(hash: string): void {
  if (window.location.hash === hash) return; // no hashchange would come to clear `passing`
  passing = true;
  window.location.hash = hash;
}

/** Whether the guard holds a move to `hash` (asking the page), or lets it through. */
function held(hash: string): boolean {
  if (passing || !leaveGuard) return false;
  return leaveGuard(hash, () => go(hash));
}

export function navigate(r: Route): void {
  const hash = hrefFor(r);
  if (!held(hash)) go(hash);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    let current = window.location.hash;
    // Links (<a href="#/…">) are held before the browser moves, so no history entry is made.
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element | null)?.closest?.('a[href^="#"]');
      const hash = a?.getAttribute('href');
      if (!hash || hash === window.location.hash) return;
      if (held(hash)) e.preventDefault();
    };
    // The back and forward buttons have already moved: a held move is put back in place.
    const onHash = () => {
      const hash = window.location.hash;
      if (!passing && leaveGuard && held(hash)) {
        history.replaceState(history.state, '', current || '#');
        return;
      }
      passing = false;
      current = hash;
      setRoute(parseHash(hash));
    };
    document.addEventListener('click', onClick, true);
    window.addEventListener('hashchange', onHash);
    return () => {
      document.removeEventListener('click', onClick, true);
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  return route;
}
