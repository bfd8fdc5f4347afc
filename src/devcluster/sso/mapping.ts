// Claims to roles and traits, as upstream's connectors map them: a mapping value is a glob
// (`*`) or, between ^ and $, a regular expression whose groups may fill `$1` in role names
// (utils.ReplaceRegexp); OIDC claims and SAML attributes all become traits; GitHub gives the
// logins, github_teams traits (lib/auth/github.go).
import type { ConnectorConfig, IdpUser } from './config.js';

/** lib/auth/github.go ErrGithubNoTeams. */
export const MSG_GITHUB_NO_TEAMS =
  'user does not belong to any teams configured in connector; the configuration may have typos.';

function matcher(expr: string): RegExp {
  if (expr.startsWith('^') && expr.endsWith('$')) return new RegExp(expr);
  const body = expr
    .split('*')
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('(.*)');
  return new RegExp(`^${body}$`);
}

/** Roles for one value against one mapping; empty when it does not match. */
export function mapValue(expr: string, value: string, roles: string[]): string[] {
  const m = matcher(expr).exec(value);
  if (!m) return [];
  return roles.map((r) => r.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '')).filter(Boolean);
}

const uniq = (xs: string[]) => [...new Set(xs)];

export interface MappedIdentity {
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
}

/** OIDC: username from username_claim (default email, then sub); roles from claims_to_roles. */
export function mapOidc(c: ConnectorConfig, claims: Record<string, unknown>): MappedIdentity {
  const traits = claimsToTraits(claims);
  const roles = uniq(
    c.claims_to_roles.flatMap((m) => (traits[m.claim] ?? []).flatMap((v) => mapValue(m.value, v, m.roles))),
  );
  const username = (traits[c.username_claim ?? 'email'] ?? traits.sub ?? [])[0] ?? '';
  return { username, roles, traits };
}

/** SAML: the NameID names the user; roles from attributes_to_roles. */
export function mapSaml(
  c: ConnectorConfig,
  nameId: string,
  attributes: Record<string, unknown>,
): MappedIdentity {
  const traits = claimsToTraits(attributes);
  const roles = uniq(
    c.attributes_to_roles.flatMap((m) =>
      (traits[m.name] ?? []).flatMap((v) => mapValue(m.value, v, m.roles)),
    ),
  );
  return { username: nameId, roles, traits };
}

/** GitHub: the login names the user; roles from teams_to_roles (organization and team). */
export function mapGithub(c: ConnectorConfig, login: string, teams: string[]): MappedIdentity {
  const roles = uniq(
    c.teams_to_roles.flatMap((m) =>
      teams.flatMap((t) => {
        const [org, team] = t.split('/');
        return org === m.organization && mapValue(m.team, team, m.roles).length
          ? mapValue(m.team, team, m.roles)
          : [];
      }),
    ),
  );
  return {
    username: login,
    roles,
    traits: { logins: [login], github_teams: uniq(teams.map((t) => t.split('/')[1])) },
  };
}

/** Every string or list-of-strings claim becomes a trait of the same name. */
export function claimsToTraits(claims: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (typeof v === 'string') out[k] = [v];
    else if (typeof v === 'boolean' || typeof v === 'number') out[k] = [String(v)];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
  }
  return out;
}

/** The IdP's own check of its login form. */
export function checkIdpUser(c: ConnectorConfig, name: string, password: string): IdpUser | undefined {
  const u = c.users.find((x) => x.name === name);
  return u && u.password === password ? u : undefined;
}
