// The `apps:` entries of the dev cluster config as the app service uses them (upstream: AppV3's
// spec: uri, public_addr, insecure_skip_verify, rewrite.headers, rewrite.jwt_claims, tcp_ports).
import type { ResourceConfig } from '../config.js';
import type { AppV3 } from '../../gen/teleport/legacy/types/types.js';

/** types.JWTClaimsRewrite*: which of roles/traits go into the app's JWT. */
export const JWT_CLAIMS_REWRITES = ['roles-and-traits', 'roles', 'traits', 'none'] as const;
export type JwtClaimsRewrite = (typeof JWT_CLAIMS_REWRITES)[number];

export interface HeaderRewrite {
  name: string;
  value: string;
}

export interface PortRange {
  port: number;
  /** 0 for a single port. */
  endPort: number;
}

export interface AppDef {
  name: string;
  uri: string;
  /** The address clients use; empty when the config has none. */
  publicAddr: string;
  labels: Record<string, string>;
  description: string;
  insecureSkipVerify: boolean;
  /** Multi-port TCP apps (uri without a port). */
  tcpPorts: PortRange[];
  headers: HeaderRewrite[];
  jwtClaims: JwtClaimsRewrite;
}

/** A tcp:// URI: a TCP app (app.IsTCP). */
export function isTcpUri(uri: string): boolean {
  return /^tcp:\/\//i.test(uri);
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerRewrites(v: unknown, where: string): HeaderRewrite[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${where}: rewrite.headers must be a list`);
  return v.map((h: unknown, i) => {
    let name: unknown;
    let value: unknown;
    if (typeof h === 'string') {
      // teleport.yaml form: "Name: value".
      const at = h.indexOf(':');
      if (at < 0) throw new Error(`${where}: rewrite.headers[${i}]: expected "Name: value", got "${h}"`);
      name = h.slice(0, at).trim();
      value = h.slice(at + 1).trim();
    } else if (h && typeof h === 'object') {
      ({ name, value } = h as { name?: unknown; value?: unknown });
    }
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      throw new Error(`${where}: rewrite.headers[${i}] needs a valid header name`);
    }
    if (typeof value !== 'string') throw new Error(`${where}: rewrite.headers[${i}] needs a string value`);
    return { name, value };
  });
}

function portRanges(v: unknown, where: string): PortRange[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${where}: tcp_ports must be a list`);
  return v.map((p: unknown, i) => {
    const o = (typeof p === 'number' ? { port: p } : p) as { port?: unknown; end_port?: unknown } | null;
    const port = Number(o?.port);
    const endPort = o?.end_port === undefined || o.end_port === null ? 0 : Number(o.end_port);
    // types.PortRange validation: 1..65535, end_port 0 or above port.
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${where}: tcp_ports[${i}]: port must be between 1 and 65535`);
    }
    if (!Number.isInteger(endPort) || (endPort !== 0 && (endPort <= port || endPort > 65535))) {
      throw new Error(`${where}: tcp_ports[${i}]: end_port must be greater than port and at most 65535`);
    }
    return { port, endPort };
  });
}

/** Validates one `apps:` entry (messages start with `config: apps[i] (name)`); returns it normalized. */
export function normalizeAppConfig(d: ResourceConfig, i: number): ResourceConfig {
  const where = `config: apps[${i}] (${d.name})`;
  const uri = d.uri === undefined || d.uri === null ? 'http://localhost:8080' : String(d.uri);
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new Error(`${where}: invalid uri "${uri}"`);
  }
  if (!['http:', 'https:', 'tcp:'].includes(parsed.protocol)) {
    throw new Error(`${where}: uri "${uri}": expected an http://, https:// or tcp:// address`);
  }
  const tcpPorts = portRanges(d.tcp_ports, where);
  if (tcpPorts.length && (parsed.protocol !== 'tcp:' || parsed.port)) {
    throw new Error(`${where}: tcp_ports needs a tcp:// uri without a port`);
  }
  if (parsed.protocol === 'tcp:' && !parsed.port && !tcpPorts.length) {
    throw new Error(`${where}: uri "${uri}" needs a port (or tcp_ports)`);
  }
  const rewrite = (d.rewrite ?? {}) as { headers?: unknown; jwt_claims?: unknown };
  if (typeof rewrite !== 'object') throw new Error(`${where}: rewrite must be a mapping`);
  headerRewrites(rewrite.headers, where);
  const claims = rewrite.jwt_claims ?? '';
  if (claims !== '' && !(JWT_CLAIMS_REWRITES as readonly unknown[]).includes(claims)) {
    throw new Error(
      `${where}: rewrite.jwt_claims must be one of ${JWT_CLAIMS_REWRITES.join(', ')}, got "${String(claims)}"`,
    );
  }
  if (d.public_addr !== undefined && d.public_addr !== null && typeof d.public_addr !== 'string') {
    throw new Error(`${where}: public_addr must be a string`);
  }
  return { ...d, uri };
}

/** The app service's view of a (normalized) config entry. */
export function appDef(d: ResourceConfig): AppDef {
  const rewrite = (d.rewrite ?? {}) as { headers?: unknown; jwt_claims?: unknown };
  const claims = String(rewrite.jwt_claims ?? '') || 'roles-and-traits';
  return {
    name: d.name,
    uri: String(d.uri ?? 'http://localhost:8080'),
    publicAddr: typeof d.public_addr === 'string' ? d.public_addr : '',
    labels: Object.fromEntries(Object.entries(d.labels ?? {}).map(([k, v]) => [k, String(v)])),
    description: typeof d.description === 'string' ? d.description : '',
    insecureSkipVerify: d.insecure_skip_verify === true,
    tcpPorts: portRanges(d.tcp_ports, `app ${d.name}`),
    headers: headerRewrites(rewrite.headers, `app ${d.name}`),
    jwtClaims: claims as JwtClaimsRewrite,
  };
}

/** The AppV3 resource of an app (what the bearer-auth hook and listings see). */
export function appResource(a: AppDef): AppV3 {
  return {
    Kind: 'app',
    SubKind: '',
    Version: 'v3',
    Metadata: {
      Name: a.name,
      Description: a.description,
      Labels: { ...a.labels },
      Expires: undefined,
      Revision: '',
      Namespace: 'default',
    },
    Spec: {
      URI: a.uri,
      PublicAddr: a.publicAddr,
      DynamicLabels: {},
      InsecureSkipVerify: a.insecureSkipVerify,
      Cloud: '',
      UserGroups: [],
      Integration: '',
      RequiredAppNames: [],
      TCPPorts: a.tcpPorts.map((p) => ({ Port: p.port, EndPort: p.endPort })),
    },
  };
}
