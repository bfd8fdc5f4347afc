// teleport.transport.v1.TransportService as the dev cluster serves it: cluster details and the
// byte-tunnel streams ProxySSH, ProxyCluster and ProxyWindowsDesktopSession.
import type { Duplex } from 'node:stream';
import { status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { frameDuplex } from '../wire/framestream.js';
import type {
  ProxyClusterRequest,
  ProxyClusterResponse,
  ProxyWindowsDesktopSessionRequest,
  ProxyWindowsDesktopSessionResponse,
  TransportServiceServer,
} from '../gen/teleport/transport/v1/transport_service.js';

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

/** Where the proxy sends desktop sessions: the dev cluster's Windows Desktop Service. */
export interface DesktopDialer {
  /** Whether a desktop of this name exists. */
  has(name: string): boolean;
  /** Serves the raw connection (the client's TLS to the service runs inside). */
  handle(conn: Duplex, remoteAddr: string): void;
}

// Upstream's status texts: trace's UserMessage of the wrapped dial error, newest message first,
// each cause one tab deeper (lib/srv/transport/transportv1, lib/proxy/router.go,
// lib/srv/desktop ConnectToWindowsService, lib/reversetunnel).
export const MSG_NO_DIAL_TARGET = 'first message must contain a dial target';
export const MSG_FIRST_HAS_DATA = 'first message must not contain data';
export const MSG_INVALID_MESSAGE = 'received invalid message';
export const MSG_NO_DESKTOP =
  'failed to dial target desktop\n\tcannot connect to Windows Desktop Service\n\t\tno Windows desktops were found';
export const msgNoCluster = (cluster: string) =>
  `failed to dial target desktop\n\tlooking up remote cluster "${cluster}"\n\t\tcluster "${cluster}" is not found`;

/**
 * ProxyWindowsDesktopSession (RFD 208): the first message names the desktop and cluster and
 * carries no data; the proxy checks no RBAC (the desktop service does), hands the stream to the
 * desktop service and relays bytes both ways with backpressure. Later messages carry data only.
 */
function proxyWindowsDesktopSession(clusterName: string, desktops: DesktopDialer) {
  return (
    call: ServerDuplexStream<ProxyWindowsDesktopSessionRequest, ProxyWindowsDesktopSessionResponse>,
  ) => {
    if (!call.getAuthContext()?.sslPeerCertificate) {
      fail(call, status.UNAUTHENTICATED, 'client certificate required');
      return;
    }
    let started = false;
    call.once('end', () => {
      if (!started) call.end();
    });
    call.once('data', (first: ProxyWindowsDesktopSessionRequest) => {
      started = true;
      const target = first.dialTarget;
      if (!target?.desktopName || !target.cluster) {
        fail(call, status.INVALID_ARGUMENT, MSG_NO_DIAL_TARGET);
        return;
      }
      if (first.data.length > 0) {
        fail(call, status.INVALID_ARGUMENT, MSG_FIRST_HAS_DATA);
        return;
      }
      if (target.cluster !== clusterName) {
        fail(call, status.NOT_FOUND, msgNoCluster(target.cluster));
        return;
      }
      if (!desktops.has(target.desktopName)) {
        fail(call, status.NOT_FOUND, MSG_NO_DESKTOP);
        return;
      }
      let invalid = false;
      const conn = frameDuplex(
        call,
        (data): ProxyWindowsDesktopSessionResponse => ({ data }),
        (msg: ProxyWindowsDesktopSessionRequest) => {
          if (invalid) return null;
          if (msg.dialTarget?.desktopName || msg.dialTarget?.cluster || msg.data.length === 0) {
            invalid = true;
            fail(call, status.INVALID_ARGUMENT, MSG_INVALID_MESSAGE);
            return null;
          }
          return msg.data;
        },
      );
      // Server calls cannot be cancelled: a connection the service destroys (a client
      // certificate refused right after the handshake, the cluster stopping) ends the call here,
      // as the service's close ends upstream's stream, or the client would wait for it.
      conn.once('close', () => {
        if (!call.writableEnded) call.end();
      });
      desktops.handle(conn, call.getPeer());
    });
  };
}

export function transportService(opts: {
  clusterName: string;
  dialAuth: (conn: Duplex) => void;
  proxySsh: TransportServiceServer['proxySsh'];
  desktops: DesktopDialer;
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
    proxyWindowsDesktopSession: proxyWindowsDesktopSession(opts.clusterName, opts.desktops),
  };
  return impl;
}
