// gRPC failures as one-line user errors.
import { status, type ServiceError } from '@grpc/grpc-js';
import { TshError } from '../../util/errors.js';

function isServiceError(e: unknown): e is ServiceError {
  return !!e && typeof e === 'object' && 'code' in e && 'details' in e;
}

export function grpcError(err: unknown, what: string): Error {
  if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
  const details = err.details || err.message;
  switch (err.code) {
    case status.INVALID_ARGUMENT:
      return new TshError(details, 'bad-parameter', 1, { cause: err });
    case status.PERMISSION_DENIED:
      return new TshError(`access denied to ${what}: ${details}`, 'access-denied', 1, { cause: err });
    case status.UNAUTHENTICATED:
      return new TshError(`${what}: not authenticated (${details}); run "tshjs login"`, 'relogin', 1, {
        cause: err,
      });
    case status.NOT_FOUND:
      return new TshError(details, 'not-found', 1, { cause: err });
    case status.UNIMPLEMENTED:
      return new TshError(`${what} is not supported by this cluster (${details})`, 'bad-parameter', 1, {
        cause: err,
      });
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED: {
      const tlsIssue = /certificate|self.signed|altname|CERT_|SSL|alert/i.test(details);
      if (tlsIssue) {
        return new TshError(
          `${what}: the cluster's TLS identity could not be verified (${details}); run "tshjs login" to refresh the CAs`,
          'bad-tls',
          1,
          { cause: err },
        );
      }
      return new TshError(`${what}: cannot reach the cluster (${details})`, 'connection-problem', 1, {
        cause: err,
      });
    }
    default:
      return new TshError(`${what}: ${details}`, 'internal', 1, { cause: err });
  }
}

/**
 * The gRPC status code of a failed call, whether the error is grpc-js's own or one of ours
 * wrapping it (grpcError keeps it as `cause`); undefined for anything else.
 */
export function grpcCode(err: unknown): status | undefined {
  if (isServiceError(err)) return err.code;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return isServiceError(cause) ? cause.code : undefined;
}
