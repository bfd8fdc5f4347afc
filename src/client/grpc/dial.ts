// The ALPN dialer: how tsh reaches the proxy's gRPC service and a cluster's Auth service on
// the proxy's one TLS-routing port (api/client/proxy/client.go, api/client/client.go).
import type { Duplex } from 'node:stream';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { decodeTlsIdentity } from '../../auth/x509/identity.js';
import { TELEPORT_COMPAT_VERSION } from '../../version.js';
import type { ClientIdentity } from '../identity.js';
import { ALPN_PROXY_SSH_GRPC, API_DOMAIN, authAlpn, encodeClusterName } from '../../wire/alpn.js';
import { AlpnChannelCredentials } from '../../wire/alpncredentials.js';

/** Adds the `version` metadata tsh sends on every call (api/metadata). */
export const versionInterceptor: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('version', TELEPORT_COMPAT_VERSION);
      next(metadata, listener);
    },
  });

function baseTls(id: ClientIdentity, insecure: boolean) {
  return {
    // SNI: the cluster that issued our cert; the server picks its client-CA pool from it.
    servername: encodeClusterName(id.rootCluster),
    ca: id.trustedCAs,
    cert: id.tlsCertPem,
    key: id.tlsKeyPem,
    rejectUnauthorized: !insecure,
  };
}

export function proxyGrpcCredentials(
  id: ClientIdentity,
  insecure: boolean,
  onClusterName?: (name: string) => void,
) {
  return new AlpnChannelCredentials({
    ...baseTls(id, insecure),
    alpn: [ALPN_PROXY_SSH_GRPC, 'h2'],
    onPeerCertificate: onClusterName
      ? (cert) => {
          // The proxy names its cluster in subject attribute 1.3.9999.1.7.
          const name = decodeTlsIdentity(cert.raw).teleportCluster;
          if (name) onClusterName(name);
        }
      : undefined,
  });
}

export function authGrpcCredentials(id: ClientIdentity, cluster: string, insecure: boolean) {
  return new AlpnChannelCredentials({ ...baseTls(id, insecure), alpn: [authAlpn(cluster), 'h2'] });
}

/** Without TLS routing: Auth's TLS runs inside a ProxyCluster stream (plain h2 ALPN). */
export function tunneledAuthCredentials(id: ClientIdentity, insecure: boolean, tunnel: () => Duplex) {
  return new AlpnChannelCredentials({ ...baseTls(id, insecure), alpn: ['h2'], tunnel });
}

/**
 * The HTTP/2 receive window of our connections and streams (grpc-js opens both at this size).
 * HTTP/2's default of 64 KiB lets the proxy send one SSH frame and then wait for this process to
 * read it and say so: a stream relaying bulk SSH (ProxySSH, `tshjs proxy ssh`) then ran at a
 * fraction of what the proxy could send. grpc-go grows its window towards 16 MiB the same way.
 */
export const FLOW_CONTROL_WINDOW = 4 << 20;

/** Channel options shared by our clients: big enough messages for resource pages, no proxies. */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 64 << 20,
  'grpc.enable_http_proxy': 0,
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
  'grpc.default_authority': API_DOMAIN,
  interceptors: [versionInterceptor],
};
