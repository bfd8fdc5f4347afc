// The Kubernetes local proxy's self-signed CAs (lib/srv/alpnproxy/kube.go CreateKubeLocalCAs):
// one per Teleport cluster, all made with the same fresh local key, subject CN=localhost
// O=Teleport, DNS name "*.<Teleport cluster>" and IP 127.0.0.1, valid for defaults.CATTL. The
// CA certificate is at once the local listener's server certificate and, in the ephemeral
// kubeconfig, kubectl's client certificate. Kept in memory only.
import { createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { generateKey, marshalTLSPrivateKey } from '../auth/keygen.js';
import { kubeLocalProxyWildcardDomain } from './kubesni.js';

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

const toPem = (der: ArrayBuffer) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** One local CA for `teleportCluster`, signed by (and for) the local key. */
export async function createKubeLocalCA(local: LocalKey, teleportCluster: string): Promise<LocalCA> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const pkcs8 = local.key.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(local.key).export({ format: 'der', type: 'spki' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, alg, true, ['verify']);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive
  const now = Math.floor(Date.now() / 1000) * 1000;
  const name = 'O=Teleport, CN=localhost';
  const F = x509.KeyUsageFlags;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: name,
    issuer: name,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + LOCAL_CA_TTL_MS),
    publicKey,
    signingKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.KeyUsagesExtension(F.digitalSignature | F.keyEncipherment | F.keyCertSign, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: kubeLocalProxyWildcardDomain(teleportCluster) },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  return { teleportCluster, certPem: toPem(cert.rawData), keyPem: local.keyPem };
}
