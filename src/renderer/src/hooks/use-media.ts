// The URL of a media image for the current transport (see api/media.ts), or null while a bridge
// fetch is under way.
import { useEffect, useState } from 'react';
import { mediaUrl, mediaUrlSync, type MediaKind, type MediaQuery } from '../api/media';
import { useApp } from '../app-context';

export function useMediaUrl(kind: MediaKind, q: MediaQuery | null, version = 0): { url: string | null; error: string | null } {
  const { client } = useApp();
  const sync = q ? mediaUrlSync(client, kind, q, version) : null;
  const [state, setState] = useState<{ url: string | null; error: string | null }>({ url: null, error: null });
  const key = q ? `${kind}|${q.datasetId}|${q.sampleId}|${q.size ?? ''}|${q.runId ?? ''}|${version}` : '';
  useEffect(() => {
    if (!q || sync) return;
    let live = true;
    setState({ url: null, error: null });
    mediaUrl(client, kind, q, version).then(
      (url) => live && setState({ url, error: null }),
      (err: Error) => live && setState({ url: null, error: err.message }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, client]);
  return sync ? { url: sync, error: null } : state;
}
