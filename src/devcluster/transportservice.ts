// teleport.transport.v1.TransportService as the dev cluster serves it. Later work adds the
// byte-tunnel streams (ProxySSH, ProxyCluster, ProxyWindowsDesktopSession).
import type { Duplex } from 'node:stream';
import { status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { frameDuplex } from '../wire/framestream.js';
import type {
  ProxyClusterRequest,
  ProxyClusterResponse,
  TransportServiceServer,
} from '../gen/teleport/transport/v1/transport_service.js';

function unimplementedStream(call: ServerDuplexStream<unknown, unknown>): void {
  call.emit('error', { code: status.UNIMPLEMENTED, details: 'not implemented by tshjs-devcluster yet' });
  call.end();
}

function fail(call: ServerDuplexStream<unknown, unknown>, code: status, details: string): void {
  call.emit('error', { code, details });
}

/**
 * ProxyCluster: the first message names the cluster and carries no frame; after it, frames
 * carry a raw connection to that cluster's Auth service (TLS + HTTP/2 inside).
 */
function proxyCluster(clusterName: string, dialAuth: (conn: Duplex) => void) {
  return (call: ServerDuplexStream<ProxyClusterRequest, ProxyClusterResponse>) => {
    if (!call.getAuthContext()?.sslPeerCertificate) {
      fail(call, status.UNAUTHENTICATED, 'client certificate required');
      return;
    }
    call.once('data', (first: ProxyClusterRequest) => {
      if (!first.cluster || first.frame) {
        fail(call, status.INVALID_ARGUMENT, 'first message must name the cluster and carry no frame');
        return;
      }
      if (first.cluster !== clusterName) {
        fail(call, status.NOT_FOUND, `cluster ${first.cluster} is not found`);
        return;
      }
      dialAuth(
        frameDuplex(
          call,
          (payload) => ({ frame: { payload } }),
          (msg: ProxyClusterRequest) => msg.frame?.payload,
        ),
      );
    });
  };
}

export function transportService(opts: {
  clusterName: string;
  dialAuth: (conn: Duplex) => void;
  proxySsh: TransportServiceServer['proxySsh'];
}): UntypedServiceImplementation {
  const impl: TransportServiceServer = {
    getClusterDetails: (call, cb) => {
      // Any authenticated caller may ask; the TLS layer already required a valid user cert.
      if (!call.getAuthContext()?.sslPeerCertificate) {
        cb({ code: status.UNAUTHENTICATED, details: 'client certificate required' });
        return;
      }
      cb(null, { details: { fipsEnabled: false } });
    },
    proxySsh: opts.proxySsh,
    proxyCluster: proxyCluster(opts.clusterName, opts.dialAuth),
    proxyWindowsDesktopSession: unimplementedStream,
  };
  return impl;
}
