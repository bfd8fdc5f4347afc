// ALPN protocol ids and cluster-name SNI encoding: how a Teleport proxy with TLS routing tells
// its services apart on one port (lib/srv/alpnproxy/common/protocols.go, api/utils/tlsutils).
// Both sides use them: the client offers them, the dev cluster routes by them.

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

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The cluster an SNI names, or undefined: odd-length hex or bytes that are not UTF-8 name none. */
export function decodeClusterName(sni: string): string | undefined {
  const m = /^((?:[0-9a-f]{2})+)\.teleport\.cluster\.local$/.exec(sni);
  if (!m) return undefined;
  try {
    return UTF8.decode(Buffer.from(m[1], 'hex'));
  } catch {
    return undefined;
  }
}

export function authAlpn(cluster: string): string {
  return `${ALPN_AUTH_PREFIX}${encodeClusterName(cluster)}`;
}
