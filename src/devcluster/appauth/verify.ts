// Verification of an external JWT against an app auth config, as upstream's
// retrieveJWKSAppAuthConfig and verifyAppAuthJWTToken do it
// (lib/auth/appauthconfig/appauthconfigv1/sessions_service.go, go-jose v4), with `jose` doing
// the JOSE work. Error texts: upstream's own, and go-jose's for what go-jose reports.
import { createHash } from 'node:crypto';
import { compactVerify, importJWK, type JWK } from 'jose';
import type { AppAuthConfigJWTSpec } from '../../gen/teleport/appauthconfig/v1/appauthconfig.js';
import { BadParameterError, usernameClaim } from './config.js';

/** jwtMaxIssuedAtAfter: how long after `iat` a token is still accepted. */
export const JWT_MAX_ISSUED_AT_AFTER_MS = 30 * 60_000;
/** go-jose's jwt.DefaultLeeway for exp / nbf / iat-in-the-future. */
export const JWT_LEEWAY_MS = 60_000;
/** defaults.HTTPRequestTimeout (lib/defaults). */
export const JWKS_FETCH_TIMEOUT_MS = 10_000;
/** teleport.MaxHTTPRequestSize: the JWKS body is read up to this many bytes. */
export const MAX_JWKS_BYTES = 10 * 1024 * 1024;

const JOSE = 'go-jose/go-jose';
const JWT = 'go-jose/go-jose/jwt';

/** services.GenerateAppSessionIDFromJWT: lower-case hex SHA-256 of the raw token. */
export function appSessionIdFromJwt(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface Jwks {
  keys: JWK[];
  /** The allowed signature algorithms: the `alg` of each key, in order. */
  algorithms: string[];
}

/** Parses a JWKS document; like upstream, the algorithms are the keys' own `alg`. */
export function parseJwks(raw: string | Buffer): Jwks {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString());
  } catch {
    throw new Error('unable to parse JWKS contents');
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (keys !== undefined && keys !== null && !Array.isArray(keys))
    throw new Error('unable to parse JWKS contents');
  const list = ((keys as JWK[] | null | undefined) ?? []).filter((k) => k && typeof k === 'object');
  if (list.length === 0) throw new BadParameterError('empty JWKS contents');
  return { keys: list, algorithms: list.map((k) => (typeof k.alg === 'string' ? k.alg : '')) };
}

/**
 * The JWKS of a config: fetched on every call for jwks_url (GET with a timeout, the status code
 * not checked: an error page fails at parsing, as upstream), or the static_jwks string.
 */
export async function loadJwks(spec: AppAuthConfigJWTSpec, timeoutMs = JWKS_FETCH_TIMEOUT_MS): Promise<Jwks> {
  const src = spec.keysSource;
  if (src?.$case === 'staticJwks') return parseJwks(src.value);
  if (src?.$case !== 'jwksUrl') throw new Error('unable to parse JWKS contents');
  const res = await fetch(src.value, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  return parseJwks(await readAtMost(res, MAX_JWKS_BYTES));
}

async function readAtMost(res: Response, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    if (n > limit) throw new Error('the response body is too large');
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

export interface VerifiedToken {
  username: string;
  /** The token's `exp`. */
  expires: Date;
}

function b64json(part: string): Record<string, unknown> {
  const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
  return v as Record<string, unknown>;
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuoteList(xs: string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

/** NumericDate claims as milliseconds; absent → undefined. */
function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new Error(`${JOSE}/jwt: expected number value to unmarshal NumericDate`);
  return v * 1000;
}

/** verifyAppAuthJWTToken: signature, iss/aud/exp/nbf/iat, freshness, username claim. */
export async function verifyAppAuthJwt(
  token: string,
  jwks: Jwks,
  spec: AppAuthConfigJWTSpec,
  now = new Date(),
): Promise<VerifiedToken> {
  // jwt.ParseSigned(token, algorithms)
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`${JOSE}: compact JWS format must have three parts`);
  let header: Record<string, unknown>;
  try {
    header = b64json(parts[0]);
  } catch (err) {
    throw new Error(`${JOSE}: invalid header: ${(err as Error).message}`);
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  if (!jwks.algorithms.includes(alg)) {
    throw new Error(
      `${JOSE}: unexpected signature algorithm "${alg}"; expected ${goQuoteList(jwks.algorithms)}`,
    );
  }
  // Claims(jwks, ...): go-jose's tryJWKS picks the first key with the header's kid. Without a kid,
  // or with an unknown one, the whole set reaches the verifier, which takes no key sets.
  const kid = typeof header.kid === 'string' ? header.kid : '';
  const jwk = kid ? jwks.keys.find((k) => k.kid === kid) : undefined;
  if (!jwk) throw new Error(`${JOSE}: unsupported key type/format`);
  let payload: Uint8Array;
  try {
    payload = (await compactVerify(token, await importJWK(jwk, alg), { algorithms: [alg] })).payload;
  } catch {
    throw new Error(`${JOSE}: error in cryptographic primitive`);
  }
  let claims: Record<string, unknown>;
  try {
    claims = b64json(Buffer.from(payload).toString('base64url'));
  } catch (err) {
    throw new Error(`${JOSE}/jwt: invalid claims: ${(err as Error).message}`);
  }

  // claims.Validate(jwt.Expected{Issuer, AnyAudience, Time: now}) with the default leeway.
  const t = now.getTime();
  if (claims.iss !== spec.issuer) throw new Error(`${JWT}: validation failed, invalid issuer claim (iss)`);
  const aud = claims.aud === undefined ? [] : [claims.aud].flat();
  if (!aud.includes(spec.audience))
    throw new Error(`${JWT}: validation failed, invalid audience claim (aud)`);
  const nbf = numericDate(claims, 'nbf');
  const exp = numericDate(claims, 'exp');
  const iat = numericDate(claims, 'iat');
  if (nbf !== undefined && t + JWT_LEEWAY_MS < nbf)
    throw new Error(`${JWT}: validation failed, token not valid yet (nbf)`);
  if (exp !== undefined && t - JWT_LEEWAY_MS > exp)
    throw new Error(`${JWT}: validation failed, token is expired (exp)`);
  // go-jose's own text ("validation field") for a token issued in the future.
  if (iat !== undefined && t + JWT_LEEWAY_MS < iat)
    throw new Error(`${JWT}: validation field, token issued in the future (iat)`);

  if (iat === undefined) throw new BadParameterError("token must have 'iat' claim");
  if (exp === undefined) throw new BadParameterError("token must have 'exp' claim");
  if (t - iat > JWT_MAX_ISSUED_AT_AFTER_MS)
    throw new BadParameterError('token must be issued recently to be used');
  const claim = usernameClaim(spec);
  if (!(claim in claims)) throw new BadParameterError(`token must have "${claim}" claim`);
  const username = claims[claim];
  if (typeof username !== 'string')
    throw new BadParameterError(`token username claim "${claim}" must be of string type`);
  return { username, expires: new Date(exp) };
}
