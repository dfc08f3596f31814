// GET /api/media/...: raw image bytes for <img src> (token in ?token=), over the same
// operations as the JSON API, so the path guard and argument checks apply alike.
import type { ServerResponse } from 'node:http';
import { MEDIA_PATHS, type MaskImage } from '../shared/contract';
import type { Dispatch } from '../services/handlers';
import { sendEnvelope } from './api-routes';

function intParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  return v === null ? undefined : Number(v);
}

/** Answers a request to a media path (true), or leaves it to the other routes (false). */
export async function handleMedia(dispatch: Dispatch, method: string | undefined, url: URL, res: ServerResponse): Promise<boolean> {
  if (!(Object.values(MEDIA_PATHS) as string[]).includes(url.pathname)) return false;
  if (method !== 'GET') {
    const message = `${method} ${url.pathname}: media is read with GET`;
    sendEnvelope(res, { ok: false, error: { code: 'INVALID_ARGUMENT', message } }, 405, { allow: 'GET' });
    return true;
  }
  const datasetId = intParam(url, 'datasetId');
  const sampleId = url.searchParams.get('sampleId') ?? undefined;
  let call: { domain: string; op: string; args: Record<string, unknown>; type: string } | undefined;
  switch (url.pathname) {
    case MEDIA_PATHS.thumbnail:
      call = { domain: 'datasets', op: 'thumbnail', args: { datasetId, sampleId, size: intParam(url, 'size') }, type: 'image/jpeg' };
      break;
    case MEDIA_PATHS.image:
      call = { domain: 'datasets', op: 'image', args: { datasetId, sampleId }, type: 'image/png' };
      break;
    case MEDIA_PATHS.mask:
      call = { domain: 'datasets', op: 'readMask', args: { datasetId, sampleId }, type: 'image/png' };
      break;
    case MEDIA_PATHS.predictedMask:
      call = { domain: 'predictions', op: 'mask', args: { runId: intParam(url, 'runId'), datasetId, sampleId }, type: 'image/png' };
      break;
    default:
      throw new Error(`${url.pathname}: media path without a route`);
  }
  for (const k of Object.keys(call.args)) if (call.args[k] === undefined) delete call.args[k];
  const env = await dispatch(call.domain, call.op, call.args);
  if (!env.ok) {
    sendEnvelope(res, env);
    return true;
  }
  const bytes = env.result instanceof Uint8Array ? env.result : (env.result as MaskImage).png;
  res.writeHead(200, { 'content-type': call.type, 'content-length': bytes.byteLength, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return true;
}
