// The Kubernetes local proxy's self-signed CAs (lib/srv/alpnproxy/kube.go CreateKubeLocalCAs):
// one per Teleport cluster, all made with the same fresh local key, subject CN=localhost
// O=Teleport, DNS name "*.<Teleport cluster>" and IP 127.0.0.1, valid for defaults.CATTL. The
// CA certificate is at once the local listener's server certificate and, in the ephemeral
// kubeconfig, kubectl's client certificate. Kept in memory only.
import type { KeyObject } from 'node:crypto';
import { generateKey, marshalTLSPrivateKey } from '../auth/keygen.js';
import { kubeLocalProxyWildcardDomain } from './kubesni.js';
import { createSelfSignedCert } from './selfsigned.js';

/** defaults.CATTL: ten years. */
export const LOCAL_CA_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

export interface LocalCA {
  teleportCluster: string;
  certPem: string;
  /** The local key (shared by every local CA of one proxy). */
  keyPem: string;
}

export interface LocalKey {
  key: KeyObject;
  keyPem: string;
}

/** cryptosuites.UserTLS in the balanced and FIPS suites: ECDSA P-256. */
export function newLocalKey(): LocalKey {
  const key = generateKey('ecdsa-p256');
  return { key, keyPem: marshalTLSPrivateKey(key) };
}

/** One local CA for `teleportCluster`, signed by (and for) the local key. */
export async function createKubeLocalCA(local: LocalKey, teleportCluster: string): Promise<LocalCA> {
  const certPem = await createSelfSignedCert({
    key: local.key,
    dnsNames: [kubeLocalProxyWildcardDomain(teleportCluster)],
    ipAddresses: ['127.0.0.1'],
    ttlMs: LOCAL_CA_TTL_MS,
    ca: true,
  });
  return { teleportCluster, certPem, keyPem: local.keyPem };
}
