// Role evaluation for certificate issuance: logins with trait interpolation, TTL caps,
// SSH permissions (a small subset of lib/services/role.go semantics).
import type { DevClusterConfig, RoleConfig, UserConfig } from './config.js';
import { parseGoDuration } from '../format/duration.js';
import type { RoleConditions, RoleV6, UserV2 } from '../gen/teleport/legacy/types/types.js';
import type { LabelValues } from '../gen/teleport/legacy/types/wrappers/wrappers.js';

/** Upstream's default role max_session_ttl is 30h. */
export const DEFAULT_MAX_SESSION_TTL_MS = 30 * 3600_000;

export interface AccessInfo {
  roles: string[];
  logins: string[];
  kubernetesGroups: string[];
  kubernetesUsers: string[];
  dbNames: string[];
  dbUsers: string[];
  maxSessionTtlMs: number;
  forwardAgent: boolean;
  portForwarding: boolean;
  x11Forwarding: boolean;
  traits: Record<string, string[]>;
}

/** Expands "{{internal.logins}}" / "{{external.x}}" from traits; unresolvable values drop out. */
export function interpolate(value: string, traits: Record<string, string[]>): string[] {
  const m = /^\{\{\s*(internal|external)\.([\w-]+)\s*\}\}$/.exec(value.trim());
  if (!m) return value.includes('{{') ? [] : [value];
  return traits[m[2]] ?? [];
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

export function userRoles(cfg: DevClusterConfig, user: UserConfig): RoleConfig[] {
  return user.roles.map((r) => cfg.roles.find((x) => x.name === r)).filter((r): r is RoleConfig => !!r);
}

export function accessInfo(cfg: DevClusterConfig, user: UserConfig): AccessInfo {
  const roles = userRoles(cfg, user);
  const traits = user.traits ?? {};
  const expand = (xs: string[] | undefined) => uniq((xs ?? []).flatMap((x) => interpolate(x, traits)));
  let maxTtl = Infinity;
  for (const r of roles) {
    maxTtl = Math.min(
      maxTtl,
      r.max_session_ttl ? parseGoDuration(r.max_session_ttl) : DEFAULT_MAX_SESSION_TTL_MS,
    );
  }
  return {
    roles: roles.map((r) => r.name),
    logins: expand(roles.flatMap((r) => r.logins)),
    kubernetesGroups: expand(roles.flatMap((r) => r.kubernetes_groups ?? [])),
    kubernetesUsers: expand(roles.flatMap((r) => r.kubernetes_users ?? [])),
    dbNames: expand(roles.flatMap((r) => r.db_names ?? [])),
    dbUsers: expand(roles.flatMap((r) => r.db_users ?? [])),
    maxSessionTtlMs: Number.isFinite(maxTtl) ? maxTtl : DEFAULT_MAX_SESSION_TTL_MS,
    // Role option defaults as upstream: agent and X11 off, port forwarding on.
    forwardAgent: roles.some((r) => r.forward_agent === true),
    portForwarding: roles.length > 0 && roles.every((r) => r.port_forwarding !== false),
    x11Forwarding: roles.some((r) => r.permit_x11_forwarding === true),
    traits,
  };
}

type LabelSelector = Record<string, string | string[]>;

/** Role label field that grants each resource kind. */
const LABEL_FIELD: Record<string, keyof RoleConfig> = {
  node: 'node_labels',
  db_server: 'db_labels',
  app_server: 'app_labels',
  kube_server: 'kubernetes_labels',
  windows_desktop: 'windows_desktop_labels',
};

/**
 * Upstream label matching: every key of the selector must match; a value list is an OR;
 * "*" as value matches any value of a present key; {"*": "*"} matches everything; an empty
 * selector matches nothing.
 */
export function labelsMatch(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  for (const [key, raw] of Object.entries(selector)) {
    const values = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    if (key === '*') {
      if (values.includes('*')) continue;
      return false;
    }
    if (!(key in labels)) return false;
    if (!values.includes('*') && !values.includes(labels[key])) return false;
  }
  return true;
}

/**
 * A role's deny side, from the optional `deny:` mapping of a role in the config (same keys as the
 * allow fields: node_labels, db_labels, db_users, logins, …).
 */
export type DenyConfig = Partial<
  Pick<
    RoleConfig,
    | 'logins'
    | 'node_labels'
    | 'app_labels'
    | 'db_labels'
    | 'kubernetes_labels'
    | 'windows_desktop_labels'
    | 'windows_desktop_logins'
    | 'db_names'
    | 'db_users'
    | 'db_roles'
    | 'kubernetes_groups'
    | 'kubernetes_users'
    | 'request'
    | 'review_requests'
  >
>;

export function roleDeny(r: RoleConfig): DenyConfig {
  return (r as RoleConfig & { deny?: DenyConfig }).deny ?? {};
}

/**
 * Whether the user's roles grant access to a resource of this kind with these labels: a role whose
 * deny labels match denies (upstream checkAccess's deny rules come first), else any allow match grants.
 */
export function roleAllows(roles: RoleConfig[], kind: string, labels: Record<string, string>): boolean {
  const field = LABEL_FIELD[kind];
  if (!field) return false;
  if (
    roles.some((r) =>
      labelsMatch(roleDeny(r)[field as keyof DenyConfig] as LabelSelector | undefined, labels),
    )
  )
    return false;
  return roles.some((r) => labelsMatch(r[field] as LabelSelector | undefined, labels));
}

function labelValues(sel: LabelSelector | undefined): LabelValues | undefined {
  if (!sel || Object.keys(sel).length === 0) return undefined;
  const Values: LabelValues['Values'] = {};
  for (const [k, v] of Object.entries(sel)) Values[k] = { Values: (Array.isArray(v) ? v : [v]).map(String) };
  return { Values };
}

function conditions(c: DenyConfig): RoleConditions {
  return {
    Logins: [...(c.logins ?? [])],
    // RoleV6.CheckAndSetDefaults: both sides default to the "default" namespace.
    Namespaces: ['default'],
    NodeLabels: labelValues(c.node_labels),
    KubeGroups: [...(c.kubernetes_groups ?? [])],
    KubeUsers: [...(c.kubernetes_users ?? [])],
    AppLabels: labelValues(c.app_labels),
    KubernetesLabels: labelValues(c.kubernetes_labels),
    DatabaseLabels: labelValues(c.db_labels),
    DatabaseNames: [...(c.db_names ?? [])],
    DatabaseUsers: [...(c.db_users ?? [])],
    WindowsDesktopLogins: [...(c.windows_desktop_logins ?? [])],
    WindowsDesktopLabels: labelValues(c.windows_desktop_labels),
  };
}

/** A configured role as the Auth service returns it (types.RoleV6, version v7), traits not applied. */
export function roleResource(r: RoleConfig): RoleV6 {
  const ttl = r.max_session_ttl ? parseGoDuration(r.max_session_ttl) : DEFAULT_MAX_SESSION_TTL_MS;
  return {
    Kind: 'role',
    SubKind: '',
    Version: 'v7',
    Metadata: {
      Name: r.name,
      Namespace: 'default',
      Description: '',
      Labels: {},
      Expires: undefined,
      Revision: '',
    },
    Spec: {
      Options: {
        ForwardAgent: r.forward_agent === true,
        MaxSessionTTL: BigInt(Math.round(ttl)) * 1_000_000n,
        PermitX11Forwarding: r.permit_x11_forwarding === true,
      },
      Allow: conditions(r),
      Deny: conditions(roleDeny(r)),
    },
  };
}

/** The user as GetCurrentUser returns it: roles and traits, no secrets. */
export function userResource(u: UserConfig): UserV2 {
  const Values: LabelValues['Values'] = {};
  for (const [k, v] of Object.entries(u.traits ?? {})) Values[k] = { Values: v.map(String) };
  return {
    Kind: 'user',
    SubKind: '',
    Version: 'v2',
    Metadata: {
      Name: u.name,
      Namespace: 'default',
      Description: '',
      Labels: {},
      Expires: undefined,
      Revision: '',
    },
    Spec: { Roles: [...u.roles], Traits: { Values } },
  };
}

/** Logins the user may use on a resource (for IncludeLogins). */
export function loginsFor(
  cfg: DevClusterConfig,
  user: UserConfig,
  kind: string,
  labels: Record<string, string>,
): string[] {
  const roles = userRoles(cfg, user).filter((r) => roleAllows([r], kind, labels));
  const traits = user.traits ?? {};
  const src =
    kind === 'windows_desktop'
      ? roles.flatMap((r) => r.windows_desktop_logins ?? [])
      : roles.flatMap((r) => r.logins);
  return uniq(src.flatMap((x) => interpolate(x, traits))).sort();
}
