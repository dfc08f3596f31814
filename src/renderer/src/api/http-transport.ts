// Operations over HTTP: POST /api/<domain>/<op> with a JSON body; the answer is a wire-encoded
// envelope (bytes as {"$bytes"}), decoded here so callers see the same values as over IPC.
import { decodeWire, encodeWire, httpPath, type Envelope } from '../../../shared/contract';

export async function postOperation(token: string, domain: string, op: string, args: unknown): Promise<Envelope<unknown>> {
  let res: Response;
  try {
    res = await fetch(httpPath(domain, op), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: encodeWire(args ?? {}),
    });
  } catch (err) {
    return { ok: false, error: { code: 'INTERNAL', message: `the studio server did not answer (${(err as Error).message})` } };
  }
  const text = await res.text();
  try {
    return decodeWire<Envelope<unknown>>(text);
  } catch {
    return { ok: false, error: { code: 'INTERNAL', message: `unexpected answer from ${domain}.${op} (HTTP ${res.status})` } };
  }
}
