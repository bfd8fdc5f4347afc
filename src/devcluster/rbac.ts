// Role evaluation for certificate issuance: logins with trait interpolation, TTL caps,
// SSH permissions (a small subset of lib/services/role.go semantics).
import type { DevClusterConfig, RoleConfig, UserConfig } from './config.js';
import { parseGoDuration } from './duration.js';

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
