// Calling the studio's one dispatch from a test, as the app and the server do: `ok` wants an
// answer (and throws the refusal's code and message otherwise), `refused` wants a refusal.
import type { StudioServices } from '../../src/services/studio-services';
import type { Envelope } from '../../src/shared/contract';

export async function ok<T>(s: StudioServices, domain: string, op: string, args: unknown = {}): Promise<T> {
  const env = (await s.dispatch(domain, op, args)) as Envelope<T>;
  if (!env.ok) throw new Error(`${domain}.${op}: ${env.error.code} ${env.error.message}`);
  return env.result;
}

export async function refused(s: StudioServices, domain: string, op: string, args: unknown): Promise<{ code?: string; message: string }> {
  const env = (await s.dispatch(domain, op, args)) as Envelope<unknown>;
  if (env.ok) throw new Error(`${domain}.${op} was accepted: ${JSON.stringify(env.result)}`);
  return env.error;
}
