// The proxy's side of lib/web ConstructSSHResponse: seal the login response with the client's
// secret key (lib/secret: AES-256-GCM, 12-byte random nonce, no AAD, JSON {ciphertext, nonce}) and
// put it as the only query parameter `response` of the client's redirect URL; errors go as `err`
// added to the URL's query (RedirectURLWithError).
import { createCipheriv, randomBytes } from 'node:crypto';

export function sealWithHexKey(hexKey: string, plaintext: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hexKey)) throw new Error('secret_key is not a 32-byte hex key');
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(hexKey, 'hex'), nonce);
  const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
  return JSON.stringify({ ciphertext: body.toString('base64'), nonce: nonce.toString('base64') });
}

/** The client redirect URL carrying the sealed response (the query replaced, as upstream does). */
export function responseRedirectURL(clientRedirect: string, response: unknown): string {
  const u = new URL(clientRedirect);
  const key = u.searchParams.get('secret_key');
  if (!key) throw new Error('missing secret_key');
  u.search = new URLSearchParams({ response: sealWithHexKey(key, JSON.stringify(response)) }).toString();
  return u.toString();
}

/** The client redirect URL with `err` set (its other parameters kept). */
export function errorRedirectURL(clientRedirect: string, message: string): string {
  const u = new URL(clientRedirect);
  u.searchParams.set('err', message);
  return u.toString();
}

/**
 * lib/client/sso ValidateClientRedirect for a login ceremony with no redirect settings: only
 * http://localhost|127.0.0.1|[::1]:<port>/callback?secret_key=… (one parameter) is accepted.
 */
export function validateClientRedirect(raw: string): void {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('parsing client redirect URL');
  }
  if (u.username || u.password) throw new Error('unexpected userinfo in client redirect URL');
  if (u.hash || raw.includes('#')) throw new Error('unexpected fragment in client redirect URL');
  if (u.pathname !== '/callback') throw new Error('invalid path in client redirect URL');
  const keys = [...u.searchParams.keys()];
  if (keys.length !== 1 || keys[0] !== 'secret_key')
    throw new Error('malformed query parameters in client redirect URL');
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error('invalid scheme in client redirect URL');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (u.protocol === 'http:' && ['localhost', '127.0.0.1', '::1'].includes(host)) return;
  throw new Error('unknown custom client redirect URL hostname');
}
