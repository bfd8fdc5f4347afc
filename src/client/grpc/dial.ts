// The ALPN dialer: how tsh reaches the proxy's gRPC service and a cluster's Auth service on
// the proxy's one TLS-routing port (api/client/proxy/client.go, api/client/client.go).
import type { Duplex } from 'node:stream';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { decodeTlsIdentity } from '../../auth/x509/identity.js';
import { TELEPORT_COMPAT_VERSION } from '../../version.js';
import type { ClientIdentity } from '../identity.js';
import { AlpnChannelCredentials } from './alpncredentials.js';

/** api/constants APIDomain. */
export const API_DOMAIN = 'teleport.cluster.local';
/** ALPN of the proxy's gRPC server (TransportService); what tsh's proxy client offers. */
export const ALPN_PROXY_SSH_GRPC = 'teleport-proxy-ssh-grpc';
/** Legacy: SSH to the proxy inside TLS on the web port (lib/srv/alpnproxy/common/protocols.go). */
export const ALPN_PROXY_SSH = 'teleport-proxy-ssh';
/** Proxy gRPC with mTLS; accepted by the dev cluster too. */
export const ALPN_PROXY_GRPC_MTLS = 'teleport-proxy-grpc-mtls';
/** Prefix of the Auth ALPN; the target cluster follows, encoded. */
export const ALPN_AUTH_PREFIX = 'teleport-auth@';

/** hex(name) + ".teleport.cluster.local": hex hides dots so a *.teleport.cluster.local SAN matches. */
export function encodeClusterName(name: string): string {
  return `${Buffer.from(name, 'utf8').toString('hex')}.${API_DOMAIN}`;
}

export function decodeClusterName(sni: string): string | undefined {
  const m = /^([0-9a-f]+)\.teleport\.cluster\.local$/.exec(sni);
  return m ? Buffer.from(m[1], 'hex').toString('utf8') : undefined;
}

export function authAlpn(cluster: string): string {
  return `${ALPN_AUTH_PREFIX}${encodeClusterName(cluster)}`;
}

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

/** Channel options shared by our clients: big enough messages for resource pages, no proxies. */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 64 << 20,
  'grpc.enable_http_proxy': 0,
  'grpc.default_authority': API_DOMAIN,
  interceptors: [versionInterceptor],
};
