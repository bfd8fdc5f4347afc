// Errors as gRPC statuses the way tshd's interceptor makes them (api/trail ToGRPC): the trace kind
// picks the code, the message is the user message, and errors the user can fix by logging in again
// carry the `is-resolvable-with-relogin: 1` trailer (lib/teleterm/clusters) Connect reacts to.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { TshError, type ErrorKind } from '../util/errors.js';

/** The trailer Connect reads to show its login dialog and retry the call once. */
export const RELOGIN_TRAILER = 'is-resolvable-with-relogin';

/** A daemon-side error of a trace kind (the kinds TshError already has, plus the ones gRPC needs). */
export type DaemonErrorKind = ErrorKind | 'already-exists' | 'not-implemented' | 'aborted';

export class DaemonError extends Error {
  constructor(
    readonly kind: DaemonErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DaemonError';
  }
}

export const daemonError = (kind: DaemonErrorKind, message: string, cause?: unknown) =>
  new DaemonError(kind, message, cause === undefined ? undefined : { cause });

const CODE_OF_KIND: Record<DaemonErrorKind, status> = {
  'not-found': status.NOT_FOUND,
  'access-denied': status.PERMISSION_DENIED,
  'bad-parameter': status.INVALID_ARGUMENT,
  'connection-problem': status.UNAVAILABLE,
  'already-exists': status.ALREADY_EXISTS,
  'not-implemented': status.UNIMPLEMENTED,
  aborted: status.ABORTED,
  // Trust, expiry and the rest are "anything else" upstream: Unknown.
  'bad-tls': status.UNKNOWN,
  expired: status.UNKNOWN,
  relogin: status.UNKNOWN,
  locked: status.PERMISSION_DENIED,
  version: status.UNKNOWN,
  internal: status.UNKNOWN,
};

export function isServiceError(e: unknown): e is ServiceError {
  return !!e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'number' && 'details' in e;
}

/** The gRPC code of a cause chain's first gRPC error, if any. */
function causeCode(err: unknown): status | undefined {
  for (let e = err, depth = 0; e && depth < 8; depth++) {
    if (isServiceError(e)) return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Errors that a fresh login fixes, after lib/client IsErrorResolvableWithRelogin: locally, an
 * expired or unusable certificate, a TLS trust/handshake failure, or no credentials at all; from the
 * cluster, only its "credentials have expired" and "tls: expired certificate" answers (or
 * UNAUTHENTICATED). Upstream also counts every local BadParameter; tshjs does not, so a bad request
 * never opens a login dialog.
 */
export function isResolvableWithRelogin(err: unknown): boolean {
  if (err instanceof TshError || err instanceof DaemonError) {
    if (err.kind === 'expired' || err.kind === 'relogin' || err.kind === 'bad-tls') return true;
    if (err.kind === 'not-found' && /^no credentials for |^Not logged in/.test(err.message)) return true;
  }
  if (causeCode(err) === status.UNAUTHENTICATED) return true;
  const text = err instanceof Error ? err.message : String(err);
  return /credentials have expired|tls: expired certificate/.test(text);
}

/** Any thrown value -> a ServiceError grpc-js sends as the status (kept as is if it is one). */
export function toServiceError(err: unknown, opts: { reloginTrailer?: boolean } = {}): ServiceError {
  if (isServiceError(err) && !(err instanceof TshError) && !(err instanceof DaemonError)) return err;
  let code: status;
  if (err instanceof DaemonError || err instanceof TshError) {
    code = CODE_OF_KIND[err.kind];
    // A wrapped gRPC error from the cluster keeps its code when our kind says nothing more.
    if (err.kind === 'internal') code = causeCode(err) ?? code;
  } else {
    code = causeCode(err) ?? status.UNKNOWN;
  }
  const message = err instanceof Error ? err.message : String(err);
  const metadata = new Metadata();
  if (opts.reloginTrailer !== false && isResolvableWithRelogin(err)) metadata.set(RELOGIN_TRAILER, '1');
  return Object.assign(new Error(message), { code, details: message, metadata });
}
