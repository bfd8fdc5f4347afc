// The dev cluster's `connectors:` list: SSO auth connectors with the role-mapping fields named as
// in upstream's connector specs (OIDC claims_to_roles, SAML attributes_to_roles, GitHub
// teams_to_roles), plus the users of the in-process identity provider behind each one.

export const CONNECTOR_KINDS = ['oidc', 'saml', 'github'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/** OIDC ClaimMapping: {claim, value, roles}. */
export interface ClaimMapping {
  claim: string;
  value: string;
  roles: string[];
}
/** SAML AttributeMapping: {name, value, roles}. */
export interface AttributeMapping {
  name: string;
  value: string;
  roles: string[];
}
/** GitHub TeamRolesMapping: {organization, team, roles}. */
export interface TeamRolesMapping {
  organization: string;
  team: string;
  roles: string[];
}

/** A user of the connector's identity provider (its own login form checks name + password). */
export interface IdpUser {
  name: string;
  password: string;
  /** OIDC claims / SAML attributes; a string or a list of strings each. */
  claims: Record<string, string | string[]>;
  /** GitHub teams as "organization/team". */
  teams: string[];
}

export interface ConnectorConfig {
  kind: ConnectorKind;
  name: string;
  display?: string;
  claims_to_roles: ClaimMapping[];
  attributes_to_roles: AttributeMapping[];
  teams_to_roles: TeamRolesMapping[];
  /** OIDC: the claim that names the Teleport user (upstream username_claim; default email). */
  username_claim?: string;
  users: IdpUser[];
}

export class ConnectorConfigError extends Error {}

const fail = (m: string): never => {
  throw new ConnectorConfigError(`config: ${m}`);
};

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`"${what}" must be a list`);
  return v as unknown[];
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(`${what} must be a mapping`);
  return v as Record<string, unknown>;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v) fail(`${what} needs to be a non-empty string`);
  return v as string;
}

function strings(v: unknown, what: string): string[] {
  if (typeof v === 'string') return [v];
  return list(v, what).map((x, i) => str(x, `${what}[${i}]`));
}

function roles(m: Record<string, unknown>, what: string, known: Set<string>): string[] {
  const rs = strings(m.roles, `${what}.roles`);
  if (!rs.length) fail(`${what} needs at least one role`);
  for (const r of rs) {
    // Templated roles ($1, {{...}}) are resolved at login; only plain names are checked here.
    if (!/[$]/.test(r) && !known.has(r)) fail(`${what} maps to unknown role "${r}"`);
  }
  return rs;
}

/** Parses and checks `connectors:`; `roleNames` are the cluster's roles. */
export function parseConnectors(raw: unknown, roleNames: Iterable<string>): ConnectorConfig[] {
  const known = new Set(roleNames);
  const seen = new Set<string>();
  return list(raw, 'connectors').map((item, i) => {
    const c = obj(item, `connectors[${i}]`);
    const kind = String(c.kind ?? '');
    if (!(CONNECTOR_KINDS as readonly string[]).includes(kind))
      fail(`connectors[${i}].kind "${kind}" is not one of oidc, saml, github`);
    const name = str(c.name, `connectors[${i}].name`);
    if (['local', 'passwordless', 'headless'].includes(name)) fail(`connector name "${name}" is reserved`);
    if (seen.has(name)) fail(`connector "${name}" is defined twice`);
    seen.add(name);
    const at = `connector ${name}`;
    const mappingField = { oidc: 'claims_to_roles', saml: 'attributes_to_roles', github: 'teams_to_roles' }[
      kind as ConnectorKind
    ];
    for (const f of ['claims_to_roles', 'attributes_to_roles', 'teams_to_roles']) {
      if (f !== mappingField && c[f] !== undefined) fail(`${at}: ${f} is not a field of a ${kind} connector`);
    }
    const maps = list(c[mappingField], `${at}.${mappingField}`).map((m, j) =>
      obj(m, `${at}.${mappingField}[${j}]`),
    );
    if (!maps.length) fail(`${at} needs ${mappingField}`);
    const users = list(c.users, `${at}.users`).map((u, j): IdpUser => {
      const o = obj(u, `${at}.users[${j}]`);
      const claims: Record<string, string | string[]> = {};
      const rawClaims = o.claims === undefined ? {} : obj(o.claims, `${at}.users[${j}].claims`);
      // A claim keeps its shape (one string or a list), as the IdP sends it.
      for (const [k, v] of Object.entries(rawClaims))
        claims[k] = typeof v === 'string' ? v : strings(v, `${at}.users[${j}].claims.${k}`);
      const teams = strings(o.teams, `${at}.users[${j}].teams`);
      for (const t of teams)
        if (!/^[^/]+\/[^/]+$/.test(t)) fail(`${at}: team "${t}" is not organization/team`);
      return {
        name: str(o.name, `${at}.users[${j}].name`),
        password: typeof o.password === 'string' ? o.password : fail(`${at}: user needs a password`),
        claims,
        teams,
      };
    });
    return {
      kind: kind as ConnectorKind,
      name,
      display: c.display === undefined ? undefined : String(c.display),
      claims_to_roles:
        kind === 'oidc'
          ? maps.map((m, j) => ({
              claim: str(m.claim, `${at}.claims_to_roles[${j}].claim`),
              value: String(m.value ?? ''),
              roles: roles(m, `${at}.claims_to_roles[${j}]`, known),
            }))
          : [],
      attributes_to_roles:
        kind === 'saml'
          ? maps.map((m, j) => ({
              name: str(m.name, `${at}.attributes_to_roles[${j}].name`),
              value: String(m.value ?? ''),
              roles: roles(m, `${at}.attributes_to_roles[${j}]`, known),
            }))
          : [],
      teams_to_roles:
        kind === 'github'
          ? maps.map((m, j) => ({
              organization: str(m.organization, `${at}.teams_to_roles[${j}].organization`),
              team: str(m.team, `${at}.teams_to_roles[${j}].team`),
              roles: roles(m, `${at}.teams_to_roles[${j}]`, known),
            }))
          : [],
      username_claim: c.username_claim === undefined ? undefined : String(c.username_claim),
      users,
    };
  });
}

/** The SSO part of the dev cluster config: connectors and the default one (ping's auth.type). */
export interface SsoConfig {
  connectors: ConnectorConfig[];
  /**
   * cluster_auth_preference `type` and `connector_name`, from `authentication: {type,
   * connector_name}`: local by default; an SSO type names a connector of that kind (or the first).
   */
  authentication: { type: 'local' | ConnectorKind; connector_name?: string };
}

/** `connectors:` and `authentication:` of the top-level config mapping. */
export function parseSsoConfig(raw: Record<string, unknown>, roleNames: Iterable<string>): SsoConfig {
  const connectors = parseConnectors(raw.connectors, roleNames);
  const a = raw.authentication === undefined ? {} : obj(raw.authentication, 'authentication');
  const type = String(a.type ?? 'local');
  if (type !== 'local' && !(CONNECTOR_KINDS as readonly string[]).includes(type))
    fail(`authentication.type "${type}" is not one of local, oidc, saml, github`);
  let name = a.connector_name === undefined ? undefined : String(a.connector_name);
  if (type !== 'local') {
    const c = connectors.find((x) => x.kind === type && (name === undefined || x.name === name));
    if (!c) fail(`authentication: no ${type} connector${name ? ` named "${name}"` : ''} in connectors`);
    name = c!.name;
  }
  return {
    connectors,
    authentication: { type: type as SsoConfig['authentication']['type'], connector_name: name },
  };
}
