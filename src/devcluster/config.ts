// Dev cluster configuration (YAML). The keys are the contract in docs/devcluster.md.
import * as fs from 'node:fs';
import { yaml } from '../util/lazy.js';
import { isSuite, type SignatureSuite } from '../auth/keygen.js';
import { parseGoDuration } from '../format/duration.js';
import {
  parseWebauthnConfig,
  parseWebauthnDevices,
  type WebauthnConfig,
  type WebauthnDeviceConfig,
} from './webauthn/devices.js';
import {
  requestConditions,
  requestStrategy,
  reviewConditions,
  type RequestConditionsConfig,
  type RequestStrategy,
  type ReviewConditionsConfig,
} from './access/roleconfig.js';
import { parseSsoConfig, type SsoConfig } from './sso/config.js';
import { normalizeAppConfig } from './apps/config.js';
import { parseAppAuthConfigs } from './appauth/config.js';
import type { AppAuthConfig } from '../gen/teleport/appauthconfig/v1/appauthconfig.js';

export interface RoleConfig {
  name: string;
  logins: string[];
  node_labels: Record<string, string | string[]>;
  app_labels?: Record<string, string | string[]>;
  db_labels?: Record<string, string | string[]>;
  kubernetes_labels?: Record<string, string | string[]>;
  windows_desktop_labels?: Record<string, string | string[]>;
  windows_desktop_logins?: string[];
  /** Role option desktop_clipboard: false turns the shared clipboard off (default true). */
  desktop_clipboard?: boolean;
  kubernetes_groups?: string[];
  kubernetes_users?: string[];
  /** types.KubernetesResource list ({kind, namespace, name, verbs}); unset: full access (role v7). */
  kubernetes_resources?: Array<{ kind: string; namespace?: string; name?: string; verbs?: string[] }>;
  db_names?: string[];
  db_users?: string[];
  /** Database roles for automatic user provisioning (accepted, not applied: no auto-provisioning here). */
  db_roles?: string[];
  /** e.g. "12h", "30m"; caps the requested certificate TTL. */
  max_session_ttl?: string;
  forward_agent?: boolean;
  port_forwarding?: boolean;
  permit_x11_forwarding?: boolean;
  /** Options: see every session recording (else only the user's own sessions). */
  view_all_sessions?: boolean;
  /** Options: per-session MFA for the resources this role grants (options.require_session_mfa). */
  require_session_mfa?: boolean;
  /** allow.request: roles and search_as_roles the holder may request, thresholds, reviewers. */
  request?: RequestConditionsConfig;
  /** allow.review_requests: which requested roles the holder may review (`where` predicate). */
  review_requests?: ReviewConditionsConfig;
  /** options.request_access: optional (default) | reason | always. */
  request_access?: RequestStrategy;
  /** options.request_prompt: shown by clients asking for a reason. */
  request_prompt?: string;
}

export interface UserConfig {
  name: string;
  password: string;
  totp_secret?: string;
  /** Registered WebAuthn credentials (docs/webauthn.md). */
  webauthn_devices?: WebauthnDeviceConfig[];
  roles: string[];
  traits?: Record<string, string[]>;
}

export interface ResourceConfig {
  name: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface DevClusterConfig {
  /** SSO connectors and the default auth type (src/devcluster/sso/config.ts). */
  sso?: SsoConfig;
  cluster_name: string;
  signature_algorithm_suite: SignatureSuite;
  /**
   * on | otp | off; default: on when any user has a TOTP secret (an MFA device), else off.
   * `optional` is refused as Teleport v16+ refuses it; `off` is kept for quick local clusters
   * (a real v16+ cluster refuses it too).
   */
  second_factor: SecondFactor;
  /** AuthPreference webauthn (rp_id); docs/webauthn.md. */
  webauthn?: WebauthnConfig;
  /** AuthPreference require_session_mfa: per-session MFA for every resource, whatever the roles say. */
  require_session_mfa: boolean;
  /** ClusterNetworkingConfig ssh_dial_timeout, reported by ping as proxy.ssh.dial_timeout (ms). */
  ssh_dial_timeout_ms: number;
  /** Failed logins before a user is locked (upstream MaxLoginAttempts). */
  max_login_attempts: number;
  /** How long a locked user stays locked, minutes. */
  lockout_minutes: number;
  /** Reported as server_version / min_client_version in ping. */
  server_version: string;
  min_client_version: string;
  motd?: string;
  users: UserConfig[];
  roles: RoleConfig[];
  nodes: ResourceConfig[];
  databases: ResourceConfig[];
  kube_clusters: ResourceConfig[];
  apps: ResourceConfig[];
  /** `app_auth_configs:` validated like upstream (src/devcluster/appauth/config.ts). */
  app_auth_configs?: AppAuthConfig[];
  desktops: ResourceConfig[];
  /** Extra generated nodes (node-000000, …) for scale tests. */
  synthetic_nodes: number;
  /** false: separate ports (proxy gRPC on its own port, Auth through ProxyCluster). */
  tls_routing: boolean;
  /** false: TransportService.ProxySSH answers UNIMPLEMENTED (clients fall back to proxy SSH). */
  grpc_proxy_ssh: boolean;
  /** The Windows Desktop Service the proxy relays desktop sessions to (docs/devcluster.md). */
  windows_desktop_service: WindowsDesktopServiceConfig;
  /** Leaf clusters `tsh clusters` lists (names, status, labels only; nothing is served for them). */
  leaf_clusters: Array<{ name: string; status?: string; labels?: Record<string, string> }>;
}

export interface WindowsDesktopServiceConfig {
  /** Select ALPN "teleport-tdpb-1.0" when a client offers it (default); false: legacy TDP only. */
  tdpb: boolean;
}

/** `desktops[].shadow`: the dev cluster runs this desktop itself (src/devcluster/desktop/shadow.ts). */
export interface ShadowDesktopConfig {
  width?: number;
  height?: number;
}

/** The desktop's shadow options, normalized (`true` → {}), or undefined for a desktop with an addr. */
export function desktopShadow(d: ResourceConfig): ShadowDesktopConfig | undefined {
  return d.shadow && typeof d.shadow === 'object' ? (d.shadow as ShadowDesktopConfig) : undefined;
}

function desktop(d: ResourceConfig, i: number): ResourceConfig {
  const v = d.shadow;
  if (v === undefined || v === null || v === false) {
    const { shadow: _, ...rest } = d;
    return rest;
  }
  const where = `config: desktops[${i}] (${d.name})`;
  if (d.addr !== undefined) throw new ConfigError(`${where}: shadow and addr are exclusive`);
  if (v === true) return { ...d, shadow: {} };
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new ConfigError(`${where}: shadow must be true or { width, height }`);
  }
  const size = v as Record<string, unknown>;
  const out: ShadowDesktopConfig = {};
  for (const k of ['width', 'height'] as const) {
    if (size[k] === undefined) continue;
    const n = size[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 200 || n > 8192) {
      throw new ConfigError(`${where}: shadow.${k} must be a whole number from 200 to 8192`);
    }
    out[k] = n;
  }
  const unknown = Object.keys(size).filter((k) => k !== 'width' && k !== 'height');
  if (unknown.length) throw new ConfigError(`${where}: shadow has unknown key "${unknown[0]}"`);
  return { ...d, shadow: out };
}

function windowsDesktopService(v: unknown): WindowsDesktopServiceConfig {
  if (v === undefined || v === null) return { tdpb: true };
  if (typeof v !== 'object' || Array.isArray(v))
    throw new ConfigError('config: "windows_desktop_service" must be a mapping');
  const tdpb = (v as Record<string, unknown>).tdpb;
  if (tdpb !== undefined && typeof tdpb !== 'boolean')
    throw new ConfigError('config: windows_desktop_service.tdpb must be true or false');
  return { tdpb: tdpb !== false };
}

/** Database protocols the dev cluster's database service serves (engines in src/devcluster/db). */
export const DATABASE_PROTOCOLS = ['postgres', 'mysql'] as const;

/**
 * A `databases[]` entry: protocol one of DATABASE_PROTOCOLS (default postgres), uri host:port,
 * optional ca_cert_file and mysql_server_version strings. Wording after types.DatabaseV3
 * CheckAndSetDefaults.
 */
function database(d: ResourceConfig, i: number): ResourceConfig {
  const where = `config: databases[${i}] (${d.name})`;
  const protocol = d.protocol === undefined || d.protocol === null ? 'postgres' : String(d.protocol);
  if (!(DATABASE_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ConfigError(
      `${where}: unsupported database "${d.name}" protocol "${protocol}", supported are: ${DATABASE_PROTOCOLS.join(', ')}`,
    );
  }
  const uri = d.uri === undefined || d.uri === null ? '' : String(d.uri);
  if (!uri) throw new ConfigError(`${where}: database "${d.name}" URI is empty`);
  if (!/^(?:\[[^\]]+\]|[^:/\s]+):\d{1,5}$/.test(uri)) {
    throw new ConfigError(`${where}: invalid database "${d.name}" address "${uri}": expected host:port`);
  }
  for (const k of ['ca_cert_file', 'mysql_server_version', 'description'] as const) {
    if (d[k] !== undefined && d[k] !== null && typeof d[k] !== 'string') {
      throw new ConfigError(`${where}: ${k} must be a string`);
    }
  }
  return { ...d, protocol, uri };
}

/** An `apps:` entry, validated and normalized (src/devcluster/apps/config.ts). */
function app(d: ResourceConfig, i: number): ResourceConfig {
  try {
    return normalizeAppConfig(d, i);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** The `app_auth_configs:` list (src/devcluster/appauth/config.ts). */
function appAuthConfigs(v: unknown): AppAuthConfig[] {
  try {
    return parseAppAuthConfigs(v);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

export type SecondFactor = 'on' | 'otp' | 'webauthn' | 'off';

/** Upstream's refusal of second_factor off/optional (lib/modules ErrCannotDisableSecondFactor). */
export const MSG_CANNOT_DISABLE_MFA = 'cannot disable multi-factor authentication';

/** api/defaults DefaultIOTimeout, the default ssh_dial_timeout. */
export const DEFAULT_SSH_DIAL_TIMEOUT_MS = 30_000;

function secondFactor(v: unknown, hasDevice: boolean): SecondFactor {
  // YAML 1.1 readers (and people) may write off/on as booleans.
  if (v === false) return 'off';
  if (v === true) return 'on';
  if (v === undefined || v === null) return hasDevice ? 'on' : 'off';
  const s = String(v);
  if (s === 'on' || s === 'otp' || s === 'webauthn' || s === 'off') return s;
  if (s === 'optional') {
    throw new ConfigError(
      `config: second_factor "optional": ${MSG_CANNOT_DISABLE_MFA} (Teleport v16+ refuses "optional" and ` +
        '"off"; use "on" or "otp", or "off" for a quick local cluster without MFA)',
    );
  }
  throw new ConfigError(`config: second_factor "${s}" is not one of on, otp, webauthn, off`);
}

/** The cluster `tshjs-devcluster start` runs with no --config. */
export function demoConfig(opts: DemoConfigOptions = {}): DevClusterConfig {
  return normalizeConfig(demoConfigRaw(opts));
}

export interface DemoConfigOptions {
  /** Serve win-dev from a shadow desktop the cluster starts (needs its Debian packages). */
  shadowDesktop?: boolean;
}

/** The demo cluster's config as a config file would say it (YAML's data model). */
export function demoConfigRaw(opts: DemoConfigOptions = {}): Record<string, unknown> {
  return {
    cluster_name: 'dev.localhost',
    signature_algorithm_suite: 'balanced-v1',
    // A quick local cluster: password-only logins (a real v16+ cluster refuses "off"). Run with a
    // config that says `second_factor: on` to have bob answer an OTP challenge.
    second_factor: 'off',
    users: [
      {
        name: 'alice',
        password: 'alice-password',
        roles: ['access', 'editor'],
        traits: { logins: ['alice'] },
      },
      { name: 'bob', password: 'bob-password', totp_secret: DEMO_TOTP_SECRET, roles: ['access'] },
    ],
    roles: [
      {
        name: 'access',
        logins: ['{{internal.logins}}', 'root'],
        node_labels: { '*': '*' },
        app_labels: { '*': '*' },
        db_labels: { '*': '*' },
        kubernetes_labels: { '*': '*' },
        windows_desktop_labels: { '*': '*' },
        windows_desktop_logins: ['Administrator'],
        db_users: ['alice', 'postgres'],
        db_names: ['postgres', 'demo'],
        kubernetes_groups: ['viewers'],
      },
      { name: 'editor', logins: [], node_labels: {} },
    ],
    nodes: [
      { name: 'node-1', labels: { env: 'dev' } },
      { name: 'node-2', labels: { env: 'prod' } },
    ],
    databases: [
      {
        name: 'postgres-dev',
        protocol: 'postgres',
        uri: 'localhost:5432',
        description: 'Dev PostgreSQL',
        labels: { env: 'dev' },
      },
    ],
    apps: [
      {
        name: 'grafana',
        uri: 'http://localhost:3000',
        public_addr: 'grafana.dev.localhost',
        description: 'Dashboards',
        labels: { env: 'dev' },
      },
    ],
    kube_clusters: [{ name: 'kind-dev', labels: { env: 'dev' } }],
    desktops: [
      opts.shadowDesktop
        ? { name: 'win-dev', shadow: true, labels: { env: 'dev' } }
        : { name: 'win-dev', addr: '127.0.0.1:3389', labels: { env: 'dev' } },
    ],
  };
}

export class ConfigError extends Error {}

function list<T>(v: unknown, what: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`config: "${what}" must be a list`);
  return v as T[];
}

export function normalizeConfig(raw: unknown): DevClusterConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError('config: expected a YAML mapping');
  const r = raw as Record<string, unknown>;
  const suite = String(r.signature_algorithm_suite ?? 'balanced-v1');
  if (!isSuite(suite)) {
    throw new ConfigError(
      `config: signature_algorithm_suite "${suite}" is not one of legacy, balanced-v1, fips-v1, hsm-v1`,
    );
  }
  const users = list<UserConfig>(r.users, 'users').map((u, i) => {
    if (!u || typeof u.name !== 'string' || !u.name)
      throw new ConfigError(`config: users[${i}] needs a name`);
    if (typeof u.password !== 'string') throw new ConfigError(`config: user ${u.name} needs a password`);
    return {
      ...u,
      roles: list<string>(u.roles, `users[${i}].roles`).map(String),
      webauthn_devices: parseWebauthnDevices(u.webauthn_devices, u.name),
    };
  });
  const roles = list<RoleConfig>(r.roles, 'roles').map((ro, i) => {
    if (!ro || typeof ro.name !== 'string' || !ro.name)
      throw new ConfigError(`config: roles[${i}] needs a name`);
    return {
      ...ro,
      ...accessRequestOptions(ro, `roles[${i}] (${ro.name})`),
      logins: list<string>(ro.logins, `roles[${i}].logins`).map(String),
      node_labels: ro.node_labels ?? {},
    };
  });
  const roleNames = new Set(roles.map((x) => x.name));
  for (const u of users) {
    for (const ro of u.roles) {
      if (!roleNames.has(ro)) throw new ConfigError(`config: user ${u.name} has unknown role "${ro}"`);
    }
  }
  const hasTotp = users.some((u) => u.totp_secret || u.webauthn_devices?.length);
  for (const kind of ['nodes', 'databases', 'kube_clusters', 'apps', 'desktops']) {
    list<ResourceConfig>(r[kind], kind).forEach((res, i) => {
      if (!res || typeof res.name !== 'string' || !res.name)
        throw new ConfigError(`config: ${kind}[${i}] needs a name`);
    });
  }
  const synthetic = Number(r.synthetic_nodes ?? 0);
  if (!Number.isInteger(synthetic) || synthetic < 0)
    throw new ConfigError('config: synthetic_nodes must be a whole number >= 0');
  return {
    cluster_name: String(r.cluster_name ?? 'dev.localhost'),
    signature_algorithm_suite: suite,
    second_factor: secondFactor(r.second_factor, hasTotp),
    webauthn: parseWebauthnConfig(r.webauthn),
    require_session_mfa: r.require_session_mfa === true,
    ssh_dial_timeout_ms: dialTimeout(r.ssh_dial_timeout),
    max_login_attempts: Number(r.max_login_attempts ?? 5),
    lockout_minutes: Number(r.lockout_minutes ?? 30),
    server_version: String(r.server_version ?? '18.2.0'),
    min_client_version: String(r.min_client_version ?? '17.0.0-aa'),
    motd: r.motd === undefined ? undefined : String(r.motd),
    users,
    roles,
    nodes: list<ResourceConfig>(r.nodes, 'nodes'),
    databases: list<ResourceConfig>(r.databases, 'databases').map(database),
    kube_clusters: list<ResourceConfig>(r.kube_clusters, 'kube_clusters'),
    apps: list<ResourceConfig>(r.apps, 'apps').map(app),
    app_auth_configs: appAuthConfigs(r.app_auth_configs),
    desktops: list<ResourceConfig>(r.desktops, 'desktops').map(desktop),
    synthetic_nodes: Number(r.synthetic_nodes ?? 0),
    tls_routing: r.tls_routing === undefined ? true : r.tls_routing === true,
    grpc_proxy_ssh: r.grpc_proxy_ssh !== false,
    windows_desktop_service: windowsDesktopService(r.windows_desktop_service),
    leaf_clusters: list<{ name: string; status?: string; labels?: Record<string, string> }>(
      r.leaf_clusters,
      'leaf_clusters',
    ).map((l, i) => {
      if (!l || typeof l.name !== 'string' || !l.name)
        throw new ConfigError(`config: leaf_clusters[${i}] needs a name`);
      return l;
    }),
    sso: ssoConfig(r, roleNames),
  };
}

/** The access request keys of a role (and of its `deny:`), validated (src/devcluster/access/roleconfig.ts). */
function accessRequestOptions(ro: RoleConfig, where: string): Partial<RoleConfig> {
  try {
    const out: Partial<RoleConfig> & { deny?: Record<string, unknown> } = {
      request: requestConditions(ro.request, `${where}.request`),
      review_requests: reviewConditions(ro.review_requests, `${where}.review_requests`),
      request_access: requestStrategy(ro.request_access, `${where}.request_access`),
      request_prompt: ro.request_prompt === undefined ? undefined : String(ro.request_prompt),
    };
    const deny = (ro as RoleConfig & { deny?: Record<string, unknown> }).deny;
    if (deny && typeof deny === 'object') {
      const request = requestConditions(deny.request, `${where}.deny.request`);
      // Upstream: deny blocks never contain thresholds (ValidateAccessPredicates).
      if (request?.thresholds?.length) {
        throw new Error(
          `${where}: deny.request cannot contain thresholds, set denial counts in allow.request.thresholds instead`,
        );
      }
      out.deny = {
        ...deny,
        request,
        review_requests: reviewConditions(deny.review_requests, `${where}.deny.review_requests`),
      };
    }
    for (const k of Object.keys(out) as Array<keyof typeof out>) if (out[k] === undefined) delete out[k];
    return out;
  } catch (err) {
    throw new ConfigError(`config: ${(err as Error).message}`);
  }
}

function dialTimeout(v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_SSH_DIAL_TIMEOUT_MS;
  let ms: number;
  try {
    ms = parseGoDuration(String(v));
  } catch {
    throw new ConfigError(`config: ssh_dial_timeout "${String(v)}" is not a duration such as 30s or 1m`);
  }
  // Upstream reads a zero as the default (ClusterNetworkingConfig.GetSSHDialTimeout).
  return ms > 0 ? ms : DEFAULT_SSH_DIAL_TIMEOUT_MS;
}

function ssoConfig(r: Record<string, unknown>, roleNames: Set<string>): SsoConfig {
  try {
    return parseSsoConfig(r, roleNames);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

export function loadConfigFile(file: string): DevClusterConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let raw: unknown;
  try {
    raw = yaml().parse(text);
  } catch (err) {
    throw new ConfigError(`config ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return normalizeConfig(raw);
}
