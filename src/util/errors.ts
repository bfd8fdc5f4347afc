// User-facing errors: one clear line, a non-zero exit code, no stack trace unless --debug.

export type ErrorKind =
  | 'not-found'
  | 'access-denied'
  | 'bad-parameter'
  | 'connection-problem'
  | 'bad-tls'
  | 'expired'
  | 'relogin'
  | 'locked'
  | 'version'
  | 'internal';

export class TshError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind = 'internal',
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TshError';
  }
}

export const badParameter = (msg: string) => new TshError(msg, 'bad-parameter');
export const accessDenied = (msg: string) => new TshError(msg, 'access-denied');

/** One line, with no stack, for anything thrown. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) {
    const msg = err.message.split('\n').filter(Boolean).join('; ');
    return msg || err.name;
  }
  return String(err);
}
