// Calls the studio's HTTP API from the test process with the server's token (the same wire
// format and operation table as the renderer), for setup steps a test does not need to click
// through. Failures throw with the server's code and message.
import { DOMAINS, contract, httpPath, type StudioApi } from '../../src/shared/contract';
import { decodeWire, encodeWire } from '../../src/shared/contract/wire';
import type { Envelope } from '../../src/shared/contract/envelope';
import type { StudioServer } from './studio-server';

export type TestApi = Omit<StudioApi, 'on'>;

export function studioApi(server: Pick<StudioServer, 'url' | 'token'>): TestApi {
  const api: Record<string, Record<string, (args?: unknown) => Promise<unknown>>> = {};
  for (const domain of DOMAINS) {
    api[domain] = {};
    for (const op of Object.keys(contract[domain])) {
      api[domain]![op] = async (args: unknown = {}) => {
        const res = await fetch(`${server.url}${httpPath(domain, op)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
          body: encodeWire(args),
        });
        const env = decodeWire<Envelope<unknown>>(await res.text());
        if (!env.ok) throw new Error(`${domain}.${op}: ${env.error.code ?? 'INTERNAL'}: ${env.error.message}`);
        return env.result;
      };
    }
  }
  return api as unknown as TestApi;
}
