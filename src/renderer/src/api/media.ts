// Image sources for <img>/<canvas>. Over HTTP the server answers GET /api/media/* directly
// (the browser caches and lazy-loads them); under Electron there is no HTTP server, so bytes come
// through the bridge and become blob: URLs, cached so a grid scrolled back does not ask again.
import { MEDIA_PATHS } from '../../../shared/contract';
import type { StudioClient } from './client';

export type MediaKind = keyof typeof MEDIA_PATHS;
export interface MediaQuery {
  datasetId: number;
  sampleId: string;
  size?: number;
  runId?: number;
}

const blobCache = new Map<string, Promise<string>>();
const BLOB_CACHE_MAX = 600;

function queryString(q: MediaQuery, token: string | null): string {
  const p = new URLSearchParams();
  p.set('datasetId', String(q.datasetId));
  p.set('sampleId', q.sampleId);
  if (q.size !== undefined) p.set('size', String(q.size));
  if (q.runId !== undefined) p.set('runId', String(q.runId));
  if (token) p.set('token', token);
  return p.toString();
}

async function bridgeBytes(client: StudioClient, kind: MediaKind, q: MediaQuery): Promise<Uint8Array> {
  const { api } = client;
  switch (kind) {
    case 'thumbnail':
      return api.datasets.thumbnail({ datasetId: q.datasetId, sampleId: q.sampleId, size: q.size });
    case 'image':
      return api.datasets.image({ datasetId: q.datasetId, sampleId: q.sampleId });
    case 'mask':
      return (await api.datasets.readMask({ datasetId: q.datasetId, sampleId: q.sampleId })).png;
    case 'predictedMask':
      return (await api.predictions.mask({ runId: q.runId!, datasetId: q.datasetId, sampleId: q.sampleId })).png;
  }
}

/** A URL an <img> can load. `version` busts caches after an edit (a saved mask). */
export function mediaUrl(client: StudioClient, kind: MediaKind, q: MediaQuery, version = 0): Promise<string> {
  const qs = queryString(q, client.token);
  if (client.transport === 'http') return Promise.resolve(`${MEDIA_PATHS[kind]}?${qs}&v=${version}`);
  const key = `${kind}?${qs}&v=${version}`;
  let p = blobCache.get(key);
  if (!p) {
    const type = kind === 'thumbnail' ? 'image/jpeg' : 'image/png';
    p = bridgeBytes(client, kind, q).then((b) => URL.createObjectURL(new Blob([b as BlobPart], { type })));
    p.catch(() => blobCache.delete(key));
    blobCache.set(key, p);
    if (blobCache.size > BLOB_CACHE_MAX) {
      const oldest = blobCache.keys().next().value as string;
      const old = blobCache.get(oldest);
      blobCache.delete(oldest);
      void old?.then((u) => URL.revokeObjectURL(u), () => undefined);
    }
  }
  return p;
}

/** Synchronous URL for HTTP mode (lets the grid set src in render); null under Electron. */
export function mediaUrlSync(client: StudioClient, kind: MediaKind, q: MediaQuery, version = 0): string | null {
  if (client.transport !== 'http') return null;
  return `${MEDIA_PATHS[kind]}?${queryString(q, client.token)}&v=${version}`;
}
