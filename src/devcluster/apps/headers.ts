// Request headers the app service sets (lib/srv/app transport rewriteHeaders and the
// reverseproxy header rewriter): the JWT header always replaces a client value, X-Forwarded-*
// describe the client hop, and the app's rewrite.headers are expanded from the user's traits
// (services.ApplyValueTraits; {{internal.jwt}} is the token) except for the reserved names.
import type { OutgoingHttpHeaders } from 'node:http';
import { APP_JWT_HEADER } from './jwt.js';
import type { HeaderRewrite } from './config.js';

/** Teleport's AppCFHeader (Cloudflare Access compatible), reserved like the JWT header. */
const APP_CF_HEADER = 'cf-access-token';

/** Headers an app's rewrite.headers may not set (common.IsReservedHeader). */
export const RESERVED_HEADERS = new Set([
  APP_JWT_HEADER,
  APP_CF_HEADER,
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-server',
  'x-forwarded-ssl',
]);

/** Hop-by-hop headers (RFC 7230 6.1) a proxy does not pass on. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Internal traits a template may name (constants.Trait*); jwt is the app token itself. */
const INTERNAL_TRAITS = new Set([
  'logins',
  'windows_logins',
  'kubernetes_groups',
  'kubernetes_users',
  'db_names',
  'db_users',
  'db_roles',
  'aws_role_arns',
  'azure_identities',
  'gcp_service_accounts',
  'jwt',
]);

const TEMPLATE = /\{\{\s*(internal|external)\s*(?:\.\s*([\w-]+)|\[\s*"([^"]+)"\s*\])\s*\}\}/;

/**
 * Expands one header value: text without {{…}} is itself; one {{internal.x}} / {{external.x}}
 * (or {{external["x"]}}) with literal text around it gives one value per trait value. Undefined
 * when it cannot be expanded (unknown variable, missing trait, more than one template), and the
 * header is then left alone, as upstream skips it.
 */
export function expandTraits(
  value: string,
  traits: Record<string, string[]>,
  jwt: string,
): string[] | undefined {
  const m = TEMPLATE.exec(value);
  if (!m) return value.includes('{{') ? undefined : [value];
  const prefix = value.slice(0, m.index);
  const suffix = value.slice(m.index + m[0].length);
  if (suffix.includes('{{') || prefix.includes('{{')) return undefined;
  const name = m[2] ?? m[3];
  let values: string[] | undefined;
  if (m[1] === 'internal') {
    if (!INTERNAL_TRAITS.has(name)) return undefined;
    values = name === 'jwt' ? [jwt] : traits[name];
  } else {
    values = traits[name];
  }
  if (!values?.length) return undefined;
  return values.map((v) => prefix + v + suffix);
}

export interface ForwardedInfo {
  clientIp: string;
  host: string;
  /** The client's hop was TLS (always, on the web port). */
  tls: boolean;
  /** The outgoing request to the app is TLS (an https:// app). */
  upstreamTls: boolean;
  serverName: string;
}

/**
 * The headers sent to the app: the client's without hop-by-hop ones and without the app session
 * cookies, then X-Forwarded-*, the JWT, and the rewrites. Returns the headers and the Host to send.
 */
export function appRequestHeaders(
  incoming: Record<string, string | string[] | undefined>,
  rawHeaders: string[],
  f: ForwardedInfo,
  jwt: string,
  rewrites: HeaderRewrite[],
  traits: Record<string, string[]>,
): { headers: OutgoingHttpHeaders; host: string } {
  const connectionTokens = new Set(
    String(incoming.connection ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  const headers: OutgoingHttpHeaders = {};
  // rawHeaders keeps the client's spelling and every repeated value.
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    // HTTP/2 pseudo-headers (:method, :authority, …) are not headers of the app request.
    if (HOP_BY_HOP.has(lower) || connectionTokens.has(lower) || lower === 'host' || lower.startsWith(':')) {
      continue;
    }
    const prev = headers[lower];
    headers[lower] = prev === undefined ? rawHeaders[i + 1] : [prev, rawHeaders[i + 1]].flat().map(String);
  }
  const cookie = stripAppCookies(headers.cookie);
  if (cookie) headers.cookie = cookie;
  else delete headers.cookie;

  const prior = incoming['x-forwarded-for'];
  const priorList = (Array.isArray(prior) ? prior.join(', ') : (prior ?? '')).trim();
  headers['x-forwarded-for'] = priorList ? `${priorList}, ${f.clientIp}` : f.clientIp;
  headers['x-forwarded-host'] = f.host;
  headers['x-forwarded-proto'] = f.tls ? 'https' : 'http';
  headers['x-forwarded-server'] = f.serverName;
  headers['x-forwarded-ssl'] = f.upstreamTls ? 'on' : 'off';
  headers[APP_JWT_HEADER] = jwt;
  delete headers[APP_CF_HEADER];

  let host = f.host;
  for (const r of rewrites) {
    const lower = r.name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) continue;
    const values = expandTraits(r.value, traits, jwt);
    if (!values) continue;
    if (lower === 'host') {
      host = values[0];
      continue;
    }
    headers[lower] = values.length === 1 ? values[0] : values;
  }
  return { headers, host };
}

/** The Cookie header without Teleport's app session cookies. */
function stripAppCookies(v: OutgoingHttpHeaders[string]): string {
  const text = Array.isArray(v) ? v.join('; ') : v === undefined ? '' : String(v);
  return text
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !/^__Host-grv_app_(session|session_subject|auth_state)=/.test(c))
    .join('; ');
}
