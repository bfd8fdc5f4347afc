// Client key generation per signature algorithm suite (lib/cryptosuites/suites.go).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export const SUITES = ['legacy', 'balanced-v1', 'fips-v1', 'hsm-v1'] as const;
export type SignatureSuite = (typeof SUITES)[number];

export type KeyAlgorithm = 'rsa2048' | 'ed25519' | 'ecdsa-p256';

export interface UserKeys {
  ssh: KeyObject;
  tls: KeyObject;
}

export function isSuite(s: string): s is SignatureSuite {
  return (SUITES as readonly string[]).includes(s);
}

/** Map the ping value (string, or the proto enum number) to a suite; missing means legacy. */
export function normalizeSuite(v: unknown): SignatureSuite {
  if (typeof v === 'number') {
    // types.SignatureAlgorithmSuite enum: 0 unspecified, 1 legacy, 2 balanced-v1, 3 fips-v1, 4 hsm-v1
    return (['legacy', 'legacy', 'balanced-v1', 'fips-v1', 'hsm-v1'] as const)[v] ?? 'legacy';
  }
  if (typeof v === 'string') {
    const s = v
      .toLowerCase()
      .replace(/^signature_algorithm_suite_/, '')
      .replace(/_/g, '-');
    if (isSuite(s)) return s;
  }
  return 'legacy';
}

export function generateKey(alg: KeyAlgorithm): KeyObject {
  switch (alg) {
    case 'rsa2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }
}

export function userKeyAlgorithms(suite: SignatureSuite): { ssh: KeyAlgorithm; tls: KeyAlgorithm } {
  switch (suite) {
    case 'legacy':
      return { ssh: 'rsa2048', tls: 'rsa2048' };
    case 'fips-v1':
      return { ssh: 'ecdsa-p256', tls: 'ecdsa-p256' };
    case 'balanced-v1':
    case 'hsm-v1':
      return { ssh: 'ed25519', tls: 'ecdsa-p256' };
  }
}

/**
 * Keys for a login. Legacy uses one RSA key for both; identity files need one key too
 * (`single`), so then the TLS algorithm is used for both.
 */
export function generateUserKeys(suite: SignatureSuite, opts: { single?: boolean } = {}): UserKeys {
  const algs = userKeyAlgorithms(suite);
  if (opts.single || suite === 'legacy') {
    const k = generateKey(algs.tls);
    return { ssh: k, tls: k };
  }
  return { ssh: generateKey(algs.ssh), tls: generateKey(algs.tls) };
}

/** TLS private key PEM as upstream: RSA as PKCS#1, everything else PKCS#8. */
export function marshalTLSPrivateKey(key: KeyObject): string {
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'pkcs8';
  return key.export({ type, format: 'pem' }) as string;
}

/** TLS public key PEM sent in tls_pub_key: RSA as PKCS#1 RSA PUBLIC KEY, else PKIX. */
export function marshalTLSPublicKey(key: KeyObject): string {
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'spki';
  return key.export({ type, format: 'pem' }) as string;
}

export function sameKey(a: KeyObject, b: KeyObject): boolean {
  if (a === b) return true;
  // KeyObject.equals() on different key types leaves an OpenSSL error queued that makes the
  // next crypto call (e.g. createPrivateKey) fail with "different key types"; compare types first.
  if (a.asymmetricKeyType !== b.asymmetricKeyType) return false;
  return a.equals(b);
}
