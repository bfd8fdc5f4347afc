// Server names of the Kubernetes local proxy (lib/srv/alpnproxy/common/kube.go, lib/client
// GetKubeTLSServerName). Between kubectl and the local proxy the name is
// hex(<kube cluster>) + "." + <Teleport cluster>: the hex hides any dots of the kube name, so one
// local CA for "*.<Teleport cluster>" covers every kube cluster of that Teleport cluster.
import { isIP } from 'node:net';

/** api/constants KubeTeleportProxyALPNPrefix: the proxy routes this SNI to its kube handler. */
export const KUBE_TELEPORT_PROXY_ALPN_PREFIX = 'kube-teleport-proxy-alpn.';
/** api/constants APIDomain: the name used when the proxy has no usable host name. */
export const API_DOMAIN = 'teleport.cluster.local';

/** KubeLocalProxySNI: lowercase hex of the kube name's UTF-8 bytes, a dot, the Teleport cluster. */
export function kubeLocalProxySNI(teleportCluster: string, kubeCluster: string): string {
  return `${Buffer.from(kubeCluster, 'utf8').toString('hex')}.${teleportCluster}`;
}

/** TeleportClusterFromKubeLocalProxySNI: everything after the first dot ('' without one). */
export function teleportClusterFromSNI(serverName: string): string {
  const i = serverName.indexOf('.');
  return i < 0 ? '' : serverName.slice(i + 1);
}

/**
 * KubeClusterFromKubeLocalProxySNI: the label before the first dot, hex-decoded. Undefined when
 * it is not hex (an odd length or a non-hex digit; Go's hex.DecodeString refuses both).
 */
export function kubeClusterFromSNI(serverName: string): string | undefined {
  const i = serverName.indexOf('.');
  const label = i < 0 ? serverName : serverName.slice(0, i);
  if (label.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(label)) return undefined;
  return Buffer.from(label, 'hex').toString('utf8');
}

/** KubeLocalProxyWildcardDomain: the local CA's DNS name. */
export function kubeLocalProxyWildcardDomain(teleportCluster: string): string {
  return `*.${teleportCluster}`;
}

/**
 * GetKubeTLSServerName(webProxyHost): the SNI the local proxy sends to the Teleport proxy. An
 * empty host, "localhost" or an IP address gets the API domain instead.
 */
export function kubeTlsServerName(host: string): string {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  if (!h || h === 'localhost' || isIP(h)) return KUBE_TELEPORT_PROXY_ALPN_PREFIX + API_DOMAIN;
  return KUBE_TELEPORT_PROXY_ALPN_PREFIX + h;
}
