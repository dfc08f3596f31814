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
  | { page: 'predictions'; runId?: number; datasetId?: number };

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
    case 'predictions':
      return `#/predictions${r.runId ? `/${r.runId}` : ''}${r.runId && r.datasetId ? `/${r.datasetId}` : ''}`;
  }
}

export function navigate(r: Route): void {
  window.location.hash = hrefFor(r);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
