// The error and paging limits shared by the dev cluster's gRPC handlers.
import type { status } from '@grpc/grpc-js';

/** Server page size when the client sends none, and the largest it may ask for. */
export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;

/** A failure a handler reports to the client with this gRPC status code. */
export class GrpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}
