// Every answer crosses a process boundary (Electron IPC or HTTP) inside an envelope, because
// thrown errors lose their class and fields on the way; the client turns a failed envelope back
// into a real `StudioError` so renderer code can `try/catch` as if the call were local.

export interface ErrorInfo {
  message: string;
  /** Stable machine-readable reason (see ERROR_CODES); absent for unexpected failures. */
  code?: ErrorCode;
}

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ErrorInfo };

export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'PATH_REFUSED',
  'UNAUTHORIZED',
  'CONFLICT',
  'UNKNOWN_OPERATION',
  /** The operation exists but this host cannot do it (a native folder dialog over HTTP). */
  'NOT_AVAILABLE',
  /** The user stopped it (a dataset download). */
  'CANCELLED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error that carries a code across transports. Services throw it for expected failures. */
export class StudioError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
  }
}

export function okEnvelope<T>(result: T): Envelope<T> {
  return { ok: true, result };
}

export function errorEnvelope(err: unknown): Envelope<never> {
  if (err instanceof StudioError) return { ok: false, error: { message: err.message, code: err.code } };
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, error: { message, code: 'INTERNAL' } };
}

/** Returns the result or throws a StudioError with the transported message and code. */
export function unwrapEnvelope<T>(env: Envelope<T>): T {
  if (env.ok) return env.result;
  throw new StudioError(env.error.code ?? 'INTERNAL', env.error.message);
}
