// The proxy side of the SSO console flow (lib/web/apiserver.go + the auth server's SSO code):
// POST /webapi/{oidc,saml,github}/login/console stores an auth request and answers the IdP URL;
// the IdP's callback (/webapi/oidc/callback, /webapi/saml/acs[/:connector],
// /webapi/github/callback) maps claims to roles and traits, issues certificates for the keys of
// the request, seals the SSHLoginResponse with the client's secret key and redirects the browser
// to the client's callback. The identity providers start on first use.
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAuthorizedKey, parseSshPublicKeyBlob } from '../../auth/ssh/keys.js';
import type { Authority } from '../authority.js';
import type { DevClusterConfig, UserConfig } from '../config.js';
import { MAX_JSON_BODY, readJSON, replyJSON } from '../httpjson.js';
import type { ConnectorConfig, ConnectorKind, SsoConfig } from './config.js';
import { GithubIdp } from './githubidp.js';
import type { OidcConfiguration, OpenIdClient, SamlFlowResult } from './libtypes.js';
import { readForm, redirect } from './loginform.js';
import { MSG_GITHUB_NO_TEAMS, mapGithub, mapOidc, mapSaml, type MappedIdentity } from './mapping.js';
import { OidcIdp } from './oidcidp.js';
import { SamlIdp } from './samlidp.js';
import { errorRedirectURL, responseRedirectURL, validateClientRedirect } from './seal.js';
import { loginResponse } from '../loginresponse.js';

/** Where a failed callback goes when the auth request is unknown (lib/client/sso). */
export const LOGIN_FAILED_BAD_CALLBACK_PATH = '/web/msg/error/login/callback';
/** How long an auth request waits for its callback (defaults.OIDCAuthRequestTTL-like). */
const AUTH_REQUEST_TTL_MS = 10 * 60_000;

export interface SsoProxyContext {
  cfg: DevClusterConfig;
  sso: SsoConfig;
  authority: Authority;
  publicAddr: () => string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

class SsoHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
const badParameter = (m: string) => new SsoHttpError(400, m);

interface AuthRequest {
  id: string;
  connector: ConnectorConfig;
  clientRedirect: string;
  sshKey?: KeyObject;
  tlsKey?: KeyObject;
  ttlNs: number;
  compatibility: string;
  routeToCluster: string;
  kubernetesCluster: string;
  pkceVerifier?: string;
  nonce?: string;
  /** The AuthnRequest ID the SAML response must answer (InResponseTo). */
  samlRequestId?: string;
  expires: number;
}

type Idp = OidcIdp | SamlIdp | GithubIdp;

function parseKeys(ssh: string, tls: string): { sshKey?: KeyObject; tlsKey?: KeyObject } {
  if (!ssh && !tls) throw badParameter("'ssh_pub_key' or 'tls_pub_key' must be set");
  try {
    return {
      sshKey: ssh
        ? parseSshPublicKeyBlob(parseAuthorizedKey(Buffer.from(ssh, 'base64').toString('utf8')).blob).key
        : undefined,
      tlsKey: tls ? createPublicKey(Buffer.from(tls, 'base64').toString('utf8')) : undefined,
    };
  } catch (err) {
    throw badParameter(`failed to parse public key: ${(err as Error).message}`);
  }
}

export class SsoProxy {
  private readonly requests = new Map<string, AuthRequest>();
  private readonly idps = new Map<string, Promise<Idp>>();
  private openid?: Promise<OpenIdClient>;
  private readonly oidcConfigs = new Map<string, Promise<OidcConfiguration>>();

  constructor(private readonly ctx: SsoProxyContext) {}

  private get base(): string {
    return `https://${this.ctx.publicAddr()}`;
  }

  /** ping's auth for an SSO default connector: type and {name, display} under the kind. */
  applyDefaultConnector(auth: Record<string, unknown>): void {
    const a = this.ctx.sso.authentication;
    if (a.type === 'local') return;
    const c = this.connector(a.connector_name ?? '');
    if (c) this.describe(auth, c);
  }

  /** /webapi/ping/<name> for an SSO connector, or undefined when `name` is not one. */
  pingConnector(name: string, ping: () => Record<string, unknown>): Record<string, unknown> | undefined {
    const c = this.connector(name);
    if (!c) return undefined;
    const r = ping();
    this.describe(r.auth as Record<string, unknown>, c);
    return r;
  }

  connectorNames(): string[] {
    return this.ctx.sso.connectors.map((c) => c.name);
  }

  close(): void {
    for (const p of this.idps.values()) p.then((i) => i.close()).catch(() => undefined);
  }

  /** Serves the SSO routes; false when `path` is not one of them. */
  async route(method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const m = /^\/webapi\/(oidc|saml|github)\/login\/console$/.exec(path);
    try {
      if (m && method === 'POST') {
        replyJSON(res, 200, await this.console(m[1] as ConnectorKind, await readJSON(req, badParameter)));
        return true;
      }
      const q = new URL(req.url ?? '/', 'https://x').searchParams;
      const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      if (method === 'GET' && path === '/webapi/oidc/callback') {
        await this.callback(res, q.get('state') ?? '', ip, (ar) => this.oidcIdentity(ar, q));
        return true;
      }
      if (method === 'GET' && path === '/webapi/github/callback') {
        await this.callback(res, q.get('state') ?? '', ip, (ar) => this.githubIdentity(ar, q));
        return true;
      }
      const acs = /^\/webapi\/saml\/acs(?:\/([^/]+))?$/.exec(path);
      if (acs && method === 'POST') {
        const form = await readForm(req, MAX_JSON_BODY);
        const relay = form.get('RelayState') ?? '';
        await this.callback(res, relay, ip, (ar) => this.samlIdentity(ar, form));
        return true;
      }
    } catch (err) {
      const e = err instanceof SsoHttpError ? err : new SsoHttpError(500, (err as Error).message);
      if (e.status === 500) this.ctx.log('sso error', { path, error: e.message });
      if (!res.headersSent) replyJSON(res, e.status, { error: { message: e.message } }, 4);
      return true;
    }
    return false;
  }

  private connector(name: string): ConnectorConfig | undefined {
    return this.ctx.sso.connectors.find((c) => c.name === name);
  }

  private describe(auth: Record<string, unknown>, c: ConnectorConfig): void {
    auth.type = c.kind;
    delete auth.local;
    auth[c.kind] = { name: c.name, display: c.display ?? '' };
  }

  /** SSOLoginConsoleReq → {redirect_url} of the IdP. */
  private async console(
    kind: ConnectorKind,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const clientRedirect = str('redirect_url');
    if (!clientRedirect) throw badParameter('missing RedirectURL');
    const { sshKey, tlsKey } = parseKeys(str('ssh_pub_key') || str('public_key'), str('tls_pub_key'));
    const connectorId = str('connector_id');
    if (!connectorId) throw badParameter('missing ConnectorID');
    try {
      validateClientRedirect(clientRedirect);
    } catch (err) {
      throw badParameter(`invalid client redirect URL: ${(err as Error).message}`);
    }
    const compat = str('compatibility');
    if (compat && compat !== 'standard' && compat !== 'oldssh')
      throw badParameter(`invalid certificate format parameter: ${JSON.stringify(compat)}`);
    const c = this.connector(connectorId);
    if (!c || c.kind !== kind) throw new SsoHttpError(404, `${kind} connector "${connectorId}" is not found`);
    const route = str('RouteToCluster');
    if (route && route !== this.ctx.cfg.cluster_name)
      throw new SsoHttpError(404, `cluster ${route} is not found`);
    this.expire();
    const ar: AuthRequest = {
      id: randomBytes(16).toString('hex'),
      connector: c,
      clientRedirect,
      sshKey,
      tlsKey,
      ttlNs: typeof body.cert_ttl === 'number' ? body.cert_ttl : 0,
      compatibility: compat,
      routeToCluster: route,
      kubernetesCluster: str('KubernetesCluster'),
      expires: Date.now() + AUTH_REQUEST_TTL_MS,
    };
    const idp = await this.idp(c);
    let url: string;
    if (idp instanceof OidcIdp) {
      const oc = await this.openidClient();
      const config = await this.oidcConfig(c, idp);
      ar.pkceVerifier = oc.randomPKCECodeVerifier();
      ar.nonce = oc.randomNonce();
      url = oc
        .buildAuthorizationUrl(config, {
          redirect_uri: this.oidcRedirectURI(),
          scope: 'openid',
          state: ar.id,
          nonce: ar.nonce,
          code_challenge: await oc.calculatePKCECodeChallenge(ar.pkceVerifier),
          code_challenge_method: 'S256',
        })
        .toString();
    } else if (idp instanceof SamlIdp) {
      const authn = idp.sp.createLoginRequest(idp.idp, 'redirect', { relayState: ar.id });
      ar.samlRequestId = authn.id;
      url = authn.context;
    } else {
      const u = new URL('/login/oauth/authorize', idp.base);
      u.search = new URLSearchParams({
        client_id: idp.clientId,
        redirect_uri: this.githubRedirectURI(),
        scope: 'read:org',
        state: ar.id,
      }).toString();
      url = u.toString();
    }
    this.requests.set(ar.id, ar);
    this.ctx.log('sso login started', { connector: c.name, kind });
    return { redirect_url: url };
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, r] of this.requests) if (r.expires < now) this.requests.delete(id);
  }

  private oidcRedirectURI(): string {
    return `${this.base}/v1/webapi/oidc/callback`;
  }
  private githubRedirectURI(): string {
    return `${this.base}/v1/webapi/github/callback`;
  }
  private samlACS(c: ConnectorConfig): string {
    return `${this.base}/v1/webapi/saml/acs/${encodeURIComponent(c.name)}`;
  }

  private idp(c: ConnectorConfig): Promise<Idp> {
    let p = this.idps.get(c.name);
    if (!p) {
      const idp: Idp =
        c.kind === 'oidc'
          ? new OidcIdp(c, this.oidcRedirectURI(), this.ctx.log)
          : c.kind === 'saml'
            ? new SamlIdp(c, this.samlACS(c), this.samlACS(c), this.ctx.log)
            : new GithubIdp(c, this.githubRedirectURI(), this.ctx.log);
      p = idp.start().then(() => idp);
      p.catch(() => this.idps.delete(c.name));
      this.idps.set(c.name, p);
    }
    return p;
  }

  private openidClient(): Promise<OpenIdClient> {
    this.openid ??= import('openid-client' as string) as Promise<OpenIdClient>;
    return this.openid;
  }

  private oidcConfig(c: ConnectorConfig, idp: OidcIdp): Promise<OidcConfiguration> {
    let p = this.oidcConfigs.get(c.name);
    if (!p) {
      p = this.openidClient().then((oc) =>
        // The in-process IdP speaks plain HTTP on loopback.
        oc.discovery(new URL(idp.issuer), idp.clientId, undefined, oc.ClientSecretBasic(idp.clientSecret), {
          execute: [oc.allowInsecureRequests],
        }),
      );
      p.catch(() => this.oidcConfigs.delete(c.name));
      this.oidcConfigs.set(c.name, p);
    }
    return p;
  }

  /**
   * The end of every IdP round trip: find the auth request by its id (state / RelayState), get the
   * identity, issue certificates and redirect to the client with the sealed response; any failure
   * goes to the client as `err` (or to the proxy's error page when the request is unknown).
   */
  private async callback(
    res: ServerResponse,
    id: string,
    loginIp: string,
    identity: (ar: AuthRequest) => Promise<MappedIdentity>,
  ): Promise<void> {
    const ar = this.requests.get(id);
    this.requests.delete(id);
    if (!ar || ar.expires < Date.now()) {
      this.ctx.log('sso callback for an unknown auth request');
      return redirect(res, LOGIN_FAILED_BAD_CALLBACK_PATH);
    }
    let location: string;
    try {
      const who = await identity(ar);
      location = responseRedirectURL(ar.clientRedirect, await this.issue(ar, who, loginIp));
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      this.ctx.log('sso login failed', { connector: ar.connector.name, error: msg });
      location = errorRedirectURL(ar.clientRedirect, msg);
    }
    redirect(res, location);
  }

  private async oidcIdentity(ar: AuthRequest, q: URLSearchParams): Promise<MappedIdentity> {
    const idp = (await this.idp(ar.connector)) as OidcIdp;
    const error = q.get('error');
    if (error) {
      const desc = q.get('error_description');
      throw new Error(`identity provider returned error: ${error}${desc ? `: ${desc}` : ''}`);
    }
    const oc = await this.openidClient();
    const config = await this.oidcConfig(ar.connector, idp);
    const current = new URL(this.oidcRedirectURI());
    current.search = q.toString();
    const tokens = await oc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: ar.pkceVerifier,
      expectedState: ar.id,
      expectedNonce: ar.nonce,
    });
    const idClaims: Record<string, unknown> = tokens.claims() ?? {};
    // Upstream merges the ID token's claims with the userinfo endpoint's.
    const info = await oc.fetchUserInfo(config, tokens.access_token, String(idClaims.sub ?? ''));
    const claims: Record<string, unknown> = { ...info, ...idClaims };
    for (const k of ['iss', 'aud', 'exp', 'iat', 'nonce', 'at_hash', 'auth_time', 'azp', 'sid'])
      delete claims[k];
    const who = mapOidc(ar.connector, claims);
    if (!who.username) throw new Error(`claim ${ar.connector.username_claim ?? 'email'} is missing`);
    if (!who.roles.length) throw new Error('No roles mapped from claims. The mappings may contain typos.');
    return who;
  }

  private async samlIdentity(ar: AuthRequest, form: URLSearchParams): Promise<MappedIdentity> {
    const idp = (await this.idp(ar.connector)) as SamlIdp;
    let parsed: SamlFlowResult;
    try {
      parsed = await idp.sp.parseLoginResponse(idp.idp, 'post', {
        body: { SAMLResponse: form.get('SAMLResponse') ?? '' },
      });
    } catch (err) {
      throw new Error(`failed to process the SAML response: ${(err as Error).message}`);
    }
    const extract = parsed.extract as {
      nameID?: string;
      attributes?: Record<string, unknown>;
      response?: { inResponseTo?: string };
    };
    const inResponseTo = extract.response?.inResponseTo;
    if (!inResponseTo || inResponseTo !== ar.samlRequestId)
      throw new Error('SAML response does not answer the request of this login');
    const who = mapSaml(ar.connector, extract.nameID ?? '', extract.attributes ?? {});
    if (!who.username) throw new Error('SAML response has no NameID');
    if (!who.roles.length)
      throw new Error('No roles mapped from attributes. The mappings may contain typos.');
    return who;
  }

  private async githubIdentity(ar: AuthRequest, q: URLSearchParams): Promise<MappedIdentity> {
    const idp = (await this.idp(ar.connector)) as GithubIdp;
    const error = q.get('error');
    if (error) {
      const desc = q.get('error_description');
      throw new Error(`${error}${desc ? `: ${desc}` : ''}`);
    }
    const tokenRes = await fetch(new URL('/login/oauth/access_token', idp.base), {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        code: q.get('code') ?? '',
        redirect_uri: this.githubRedirectURI(),
      }),
    });
    const token = (await tokenRes.json()) as {
      access_token?: string;
      error?: string;
      error_description?: string;
    };
    if (!token.access_token) throw new Error(token.error_description ?? token.error ?? 'no access token');
    const api = async <T>(p: string): Promise<T> => {
      const r = await fetch(new URL(p, idp.base), {
        headers: { Authorization: `token ${token.access_token}`, Accept: 'application/vnd.github+json' },
      });
      if (!r.ok) throw new Error(`GitHub API ${p}: ${r.status}`);
      return (await r.json()) as T;
    };
    const user = await api<{ login: string }>('/user');
    const teams = await api<Array<{ slug: string; organization: { login: string } }>>('/user/teams');
    const who = mapGithub(
      ar.connector,
      user.login,
      teams.map((t) => `${t.organization.login}/${t.slug}`),
    );
    if (!who.roles.length) throw new Error(MSG_GITHUB_NO_TEAMS);
    return who;
  }

  /** Certificates for the request's keys with the mapped roles and traits (SSHLoginResponse). */
  private async issue(
    ar: AuthRequest,
    who: MappedIdentity,
    loginIp: string,
  ): Promise<Record<string, unknown>> {
    const known = new Set(this.ctx.cfg.roles.map((r) => r.name));
    const missing = who.roles.filter((r) => !known.has(r));
    if (missing.length) throw new Error(`role ${missing[0]} is not found`);
    const user: UserConfig = { name: who.username, password: '', roles: who.roles, traits: who.traits };
    const { response, expires } = await loginResponse(this.ctx, user, {
      sshKey: ar.sshKey,
      tlsKey: ar.tlsKey,
      ttlNs: ar.ttlNs,
      compatibility: ar.compatibility,
      routeToCluster: ar.routeToCluster,
      kubernetesCluster: ar.kubernetesCluster,
      loginIp,
    });
    this.ctx.log('sso user login', {
      user: who.username,
      connector: ar.connector.name,
      roles: who.roles,
      expires: expires.toISOString(),
    });
    return response;
  }
}
