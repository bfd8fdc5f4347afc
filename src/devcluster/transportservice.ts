// teleport.transport.v1.TransportService as the dev cluster serves it. Later work adds the
// byte-tunnel streams (ProxySSH, ProxyCluster, ProxyWindowsDesktopSession).
import { status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { TransportServiceServer } from '../gen/teleport/transport/v1/transport_service.js';

function unimplementedStream(call: ServerDuplexStream<unknown, unknown>): void {
  call.emit('error', { code: status.UNIMPLEMENTED, details: 'not implemented by tshjs-devcluster yet' });
  call.end();
}

export function transportService(): UntypedServiceImplementation {
  const impl: TransportServiceServer = {
    getClusterDetails: (call, cb) => {
      // Any authenticated caller may ask; the TLS layer already required a valid user cert.
      if (!call.getAuthContext()?.sslPeerCertificate) {
        cb({ code: status.UNAUTHENTICATED, details: 'client certificate required' });
        return;
      }
      cb(null, { details: { fipsEnabled: false } });
    },
    proxySsh: unimplementedStream,
    proxyCluster: unimplementedStream,
    proxyWindowsDesktopSession: unimplementedStream,
  };
  return impl;
}
