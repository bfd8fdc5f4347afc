// The token the app service puts in `teleport-jwt-assertion` (lib/jwt Key.Sign through
// GenerateAppToken): sub/username = Teleport user, iss = cluster name, aud = the app's URI,
// nbf = now - 10 s, iat = now, exp = the session's end, roles and traits (null when the app's
// rewrite.jwt_claims leaves them out); JOSE header typ JWT and the key's kid.
import { SignJWT } from 'jose';
import type { JwtAuthority } from '../authority.js';
import type { JwtClaimsRewrite } from './config.js';
import { jwtKeyId } from './jwks.js';

/** Teleport's AppJWTHeader. */
export const APP_JWT_HEADER = 'teleport-jwt-assertion';

export interface AppTokenParams {
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
  clusterName: string;
  uri: string;
  expires: Date;
  claims?: JwtClaimsRewrite;
  now?: Date;
}

/** Traits without empty lists (generateAppToken filters them so the token carries no nulls). */
function nonEmptyTraits(traits: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(traits).filter(([, v]) => v.length > 0));
}

export async function signAppToken(key: JwtAuthority, p: AppTokenParams): Promise<string> {
  const now = Math.floor((p.now ?? new Date()).getTime() / 1000);
  const claims = p.claims ?? 'roles-and-traits';
  const withRoles = claims === 'roles-and-traits' || claims === 'roles';
  const withTraits = claims === 'roles-and-traits' || claims === 'traits';
  return (
    new SignJWT({
      username: p.username,
      roles: withRoles ? p.roles : null,
      traits: withTraits ? nonEmptyTraits(p.traits) : null,
    })
      .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: jwtKeyId(key.key) })
      .setSubject(p.username)
      .setIssuer(p.clusterName)
      // go-jose writes a one-element audience as a plain string.
      .setAudience(p.uri)
      .setNotBefore(now - 10)
      .setIssuedAt(now)
      .setExpirationTime(Math.floor(p.expires.getTime() / 1000))
      .sign(key.key)
  );
}
