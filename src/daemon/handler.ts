// Writing a unary handler as an async function of the request (service.ts turns what it throws
// into the gRPC status and logs it).
import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';

export function unary<Req, Res>(
  fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, cb) => {
    fn(call.request, call).then(
      (res) => cb(null, res),
      (err: unknown) => cb(err as Error),
    );
  };
}
