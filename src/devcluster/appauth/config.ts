// App auth configs in the dev cluster config (`app_auth_configs:`), turned into the
// teleport.appauthconfig.v1.AppAuthConfig resource and checked like upstream's
// ValidateAppAuthConfig (lib/services/appauthconfig.go). Two YAML shapes are read:
//   short:    { name, app_labels, jwt: { issuer, audience, ... } }
//   resource: { kind: app_auth_config, version: v1, metadata: { name }, spec: { app_labels, jwt } }
import type {
  AppAuthConfig,
  AppAuthConfigJWTSpec,
} from '../../gen/teleport/appauthconfig/v1/appauthconfig.js';
import type { Label } from '../../gen/teleport/label/v1/label.js';

export const KIND_APP_AUTH_CONFIG = 'app_auth_config';
/** Upstream defaultUsernameClaim (lib/auth/appauthconfig/appauthconfigv1/sessions_service.go). */
export const DEFAULT_USERNAME_CLAIM = 'email';
/** The proto comment's default for authorization_header. */
export const DEFAULT_AUTHORIZATION_HEADER = 'Authorization';

/** upstream trace.BadParameter: a config or request that is not acceptable. */
export class BadParameterError extends Error {}

/** The username claim of a JWT spec, with upstream's default. */
export function usernameClaim(spec: AppAuthConfigJWTSpec): string {
  return spec.usernameClaim || DEFAULT_USERNAME_CLAIM;
}

/** The header the proxy reads the token from, with the default. */
export function authorizationHeader(spec: AppAuthConfigJWTSpec): string {
  return spec.authorizationHeader || DEFAULT_AUTHORIZATION_HEADER;
}

/** app_labels as a map ({env: dev} or {env: [dev, prod]}) → repeated teleport.label.v1.Label. */
function labels(v: unknown, where: string): Label[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    // Already in the proto's list form: [{ name, values }].
    return v.map((l: { name?: unknown; values?: unknown }) => ({
      name: String(l?.name ?? ''),
      values: [l?.values ?? []].flat().map(String),
    }));
  }
  if (typeof v !== 'object') throw new BadParameterError(`${where}.app_labels must be a mapping`);
  return Object.entries(v as Record<string, unknown>).map(([name, values]) => ({
    name,
    values: [values].flat().map(String),
  }));
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function jwtSpec(v: unknown): AppAuthConfigJWTSpec | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const j = v as Record<string, unknown>;
  let keysSource: AppAuthConfigJWTSpec['keysSource'];
  if (j.jwks_url !== undefined && j.jwks_url !== '')
    keysSource = { $case: 'jwksUrl', value: str(j.jwks_url) };
  else if (j.static_jwks !== undefined && j.static_jwks !== '') {
    // Accept the JWKS written as YAML too; upstream stores it as a JSON string.
    const raw = typeof j.static_jwks === 'string' ? j.static_jwks : JSON.stringify(j.static_jwks);
    keysSource = { $case: 'staticJwks', value: raw };
  }
  return {
    issuer: str(j.issuer),
    audience: str(j.audience),
    usernameClaim: str(j.username_claim),
    authorizationHeader: str(j.authorization_header),
    keysSource,
  };
}

/** One YAML entry → the resource (not yet validated). */
export function appAuthConfigFromYaml(raw: unknown, where = 'app_auth_configs'): AppAuthConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new BadParameterError(`${where} must be a mapping`);
  const r = raw as Record<string, unknown>;
  const resource = 'spec' in r || 'metadata' in r;
  const meta = (resource ? r.metadata : r) as Record<string, unknown> | undefined;
  const spec = (resource ? r.spec : r) as Record<string, unknown> | undefined;
  const jwt = spec ? jwtSpec(spec.jwt) : undefined;
  return {
    kind: resource ? str(r.kind) : KIND_APP_AUTH_CONFIG,
    subKind: resource ? str(r.sub_kind) : 'jwt',
    version: resource ? str(r.version) : 'v1',
    metadata:
      meta && typeof meta === 'object'
        ? { name: str(meta.name), namespace: '', description: '', labels: {}, revision: '' }
        : undefined,
    spec:
      spec && typeof spec === 'object'
        ? {
            appLabels: labels(spec.app_labels, where),
            subKindSpec: jwt ? { $case: 'jwt', value: jwt } : undefined,
          }
        : undefined,
  };
}

/** Upstream validateLabel (lib/services/health_check_config.go, shared by app auth configs). */
function validateLabel(l: Label): void {
  if (l.name === '*' && (l.values.length !== 1 || l.values[0] !== '*')) {
    throw new BadParameterError(
      `selector *:${l.values[0] ?? ''} is not supported, a wildcard label key may only be used with a wildcard label value`,
    );
  }
}

/** Upstream ValidateAppAuthConfig: same checks, same order, same texts. */
export function validateAppAuthConfig(c: AppAuthConfig | undefined): void {
  const bad = (msg: string): never => {
    throw new BadParameterError(msg);
  };
  if (!c) bad('app auth config must not be empty');
  const s = c!;
  if (s.version !== 'v1') bad(`app auth config only supports version "v1", got "${s.version}"`);
  if (s.kind !== KIND_APP_AUTH_CONFIG)
    bad(`app auth config kind must be "${KIND_APP_AUTH_CONFIG}", got "${s.kind}"`);
  if (!s.metadata) bad('app auth config metadata is missing');
  if (!s.metadata!.name) bad('app auth config metadata.name is missing');
  if (!s.spec) bad('app auth config spec is missing');
  if (s.spec!.appLabels.length === 0)
    bad(
      "app auth config spec.app_labels must at least contain a single label, otherwise this config won't be effective",
    );
  for (const l of s.spec!.appLabels) {
    try {
      validateLabel(l);
    } catch (err) {
      bad(`invalid app auth config spec.app_labels: ${(err as Error).message}`);
    }
  }
  const sub = s.spec!.subKindSpec;
  if (sub?.$case !== 'jwt') bad('unsupported app auth config type');
  validateJwtSpec(sub!.value);
}

function validateJwtSpec(j: AppAuthConfigJWTSpec | undefined): void {
  if (!j) throw new BadParameterError('app auth config spec.jwt is required');
  if (!j.audience) throw new BadParameterError('app auth config spec.jwt.audience cannot be empty');
  if (!j.issuer) throw new BadParameterError('app auth config spec.jwt.issuer cannot be empty');
  if (!j.keysSource?.value)
    throw new BadParameterError('app auth config spec.jwt.jwks_url or spec.jwt.static_jwks must be provided');
}

/**
 * The `app_auth_configs:` list of the dev cluster config: parsed, validated, names unique.
 * Errors are plain Errors naming the entry; config.ts wraps them in its ConfigError.
 */
export function parseAppAuthConfigs(raw: unknown): AppAuthConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error('config: "app_auth_configs" must be a list');
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const where = `app_auth_configs[${i}]`;
    let c: AppAuthConfig;
    try {
      c = appAuthConfigFromYaml(entry, where);
      validateAppAuthConfig(c);
    } catch (err) {
      throw new Error(`config: ${where}: ${(err as Error).message}`);
    }
    const name = c.metadata!.name;
    if (seen.has(name)) throw new Error(`config: ${where}: app auth config "${name}" is defined twice`);
    seen.add(name);
    return c;
  });
}

/** Whether a config's app_labels select an app with these labels (upstream label matching). */
export function configMatchesApp(c: AppAuthConfig, appLabels: Record<string, string>): boolean {
  const ls = c.spec?.appLabels ?? [];
  if (ls.length === 0) return false;
  return ls.every((l) => {
    if (l.name === '*') return l.values.includes('*');
    if (!(l.name in appLabels)) return false;
    return l.values.includes('*') || l.values.includes(appLabels[l.name]);
  });
}
