// The JWT CA's public keys as /.well-known/jwks.json serves them (lib/jwt/jwk.go): RSA keys with
// kty/alg/n/e/use/kid, P-256 keys with kty/alg/use/kid/crv/x/y; the kid is base64url SHA-256
// over the PKCS#1 DER (RSA) or SPKI DER (EC) public key.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { JwtAuthority } from '../authority.js';

export interface Jwk {
  kty: string;
  alg: string;
  n?: string;
  e?: string;
  use: string;
  kid: string;
  crv?: string;
  x?: string;
  y?: string;
}

/** lib/jwt KeyID: base64url (no padding) SHA-256 of the public key's DER. */
export function jwtKeyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der =
    pub.asymmetricKeyType === 'rsa'
      ? pub.export({ type: 'pkcs1', format: 'der' })
      : pub.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/** The JWK of the JWT CA's public key, fields in upstream's struct order. */
export function publicJwk(a: JwtAuthority): Jwk {
  const pub = a.key.type === 'private' ? createPublicKey(a.key) : a.key;
  const j = pub.export({ format: 'jwk' });
  const kid = jwtKeyId(pub);
  if (a.alg === 'RS256') return { kty: 'RSA', alg: 'RS256', n: j.n, e: j.e, use: 'sig', kid };
  return { kty: 'EC', alg: 'ES256', use: 'sig', kid, crv: j.crv, x: j.x, y: j.y };
}

/** JWKSResponse: every trusted JWT key of the cluster (one: there is no rotation here). */
export function jwksResponse(a: JwtAuthority): { keys: Jwk[] } {
  return { keys: [publicJwk(a)] };
}
