// The proxy's web API as served by the dev cluster (lib/web/apiserver.go routes used by tsh), as a
// v18 proxy: login only through /webapi/mfa/login/begin + finish (no /webapi/ssh/certs), and
// upstream's route-not-found reply for anything else.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAuthorizedKey, parseSshPublicKeyBlob } from '../auth/ssh/keys.js';
import { verifyTotp } from '../auth/totp.js';
import type { Authority } from './authority.js';
import { jwksResponse } from './apps/jwks.js';
import type { DevClusterConfig, UserConfig } from './config.js';
import { formatGoDuration } from '../format/duration.js';
import { readJSON, replyJSON } from './httpjson.js';
import { handleHeadlessLogin } from './headless/login.js';
import {
  hasWebauthnDevice,
  relyingParty,
  rpId,
  setPublicAddr,
  totpEnabled,
  webauthnEnabled,
} from './webauthn/cluster.js';
import { assertionJSON, assertionResponseFromJSON, WebauthnError } from './webauthn/rp.js';
import { SsoProxy } from './sso/proxy.js';
import { DEFAULT_CERT_TTL_MS, loginResponse } from './loginresponse.js';

export interface WebContext {
  cfg: DevClusterConfig;
  authority: Authority;
  /** host:port clients use to reach this proxy. */
  publicAddr: () => string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** An upstream trace error: status + message, written as {"error":{"message":...}}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const accessDenied = (m: string) => new HttpError(403, m);
const badParameter = (m: string) => new HttpError(400, m);

export const MSG_INVALID_USER_PASS = 'invalid username or password';
export const MSG_INVALID_USER_PASS_2F = 'invalid username, password or second factor';
export const MSG_MISSING_SECOND_FACTOR = 'missing second factor';
export const MSG_MAX_ATTEMPTS = 'too many incorrect attempts, please try again later';
/** What mfaLoginBegin answers for every failure of the password check (lib/web/apiserver.go). */
export const MSG_INVALID_CREDENTIALS = 'invalid credentials';
/** lib/auth authenticateWebauthnError: every failed WebAuthn login says this. */
export const MSG_INVALID_WEBAUTHN = 'invalid Webauthn response';
/** api/types ErrPasswordlessRequiresWebauthn. */
export const MSG_PASSWORDLESS_REQUIRES_WEBAUTHN = 'passwordless requires WebAuthn';

/** trace.WriteError writes 4-space-indented JSON. */
function replyError(res: ServerResponse, err: HttpError): void {
  replyJSON(res, err.status, { error: { message: err.message } }, 4);
}

/** The proxyVersion object of httplib.RouteNotFoundResponse; undefined when not semver. */
export function proxyVersionFields(
  version: string,
): { major: number; minor: number; patch: number; preRelease: string; string: string } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    preRelease: m[4] ?? '',
    string: version,
  };
}

/**
 * lib/httplib RouteNotFoundResponse: 404, default security headers, and a TraceErr written by
 * roundtrip.ReplyJSON (compact json.Marshal): {"error":{"message":"path not found"},"fields":
 * {"proxyVersion":{...}}} (fields left out when the version is not semver).
 */
export function routeNotFoundBody(serverVersion: string): string {
  const v = proxyVersionFields(serverVersion);
  return JSON.stringify({
    error: { message: 'path not found' },
    ...(v ? { fields: { proxyVersion: v } } : {}),
  });
}

function replyRouteNotFound(res: ServerResponse, serverVersion: string): void {
  const text = routeNotFoundBody(serverVersion);
  res.writeHead(404, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin',
    'X-Frame-Options': 'SAMEORIGIN',
    'X-XSS-Protection': '1; mode=block',
  });
  res.end(text);
}

export class WebApi {
  /** Separate-port mode: the proxy SSH/gRPC address (set by the server). */
  sshAddr: () => string = () => '';
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();

  /** The SSO console flow, when the config has connectors (src/devcluster/sso). */
  private readonly sso?: SsoProxy;

  constructor(private readonly ctx: WebContext) {
    if (ctx.cfg.sso?.connectors.length) this.sso = new SsoProxy({ ...ctx, sso: ctx.cfg.sso });
    setPublicAddr(ctx.cfg, ctx.publicAddr);
  }

  close(): void {
    this.sso?.close();
  }

  ping(withAuthDetails = true): Record<string, unknown> {
    const { cfg } = this.ctx;
    const addr = this.ctx.publicAddr();
    // ClusterNetworkingConfig ssh_dial_timeout as time.Duration nanoseconds.
    const dialTimeout = cfg.ssh_dial_timeout_ms * 1e6;
    const auth: Record<string, unknown> = withAuthDetails
      ? {
          type: 'local',
          second_factor: cfg.second_factor,
          // AuthPreference GetPreferredLocalMFA: webauthn when configured (on/webauthn), else otp; none for off.
          ...(cfg.second_factor === 'off'
            ? {}
            : { preferred_local_mfa: webauthnEnabled(cfg) ? 'webauthn' : 'otp' }),
          ...(webauthnEnabled(cfg) ? { webauthn: { rp_id: rpId(cfg) }, allow_passwordless: true } : {}),
          local: { name: '' },
          private_key_policy: 'none',
          piv_slot: '',
          device_trust: {},
          has_motd: !!cfg.motd,
          default_session_ttl: formatGoDuration(DEFAULT_CERT_TTL_MS),
          signature_algorithm_suite: cfg.signature_algorithm_suite,
        }
      : { signature_algorithm_suite: cfg.signature_algorithm_suite };
    if (withAuthDetails) this.sso?.applyDefaultConnector(auth);
    return {
      auth,
      proxy: cfg.tls_routing
        ? {
            kube: { enabled: true, public_addr: addr, listen_addr: addr },
            ssh: {
              listen_addr: addr,
              tunnel_listen_addr: addr,
              web_listen_addr: addr,
              public_addr: addr,
              dial_timeout: dialTimeout,
            },
            db: {},
            tls_routing_enabled: true,
          }
        : {
            kube: {},
            ssh: {
              listen_addr: this.sshAddr(),
              web_listen_addr: addr,
              public_addr: addr,
              ssh_public_addr: this.sshAddr(),
              dial_timeout: dialTimeout,
            },
            db: {},
            tls_routing_enabled: false,
          },
      server_version: cfg.server_version,
      min_client_version: cfg.min_client_version,
      cluster_name: cfg.cluster_name,
      automatic_upgrades: false,
      auto_update: {
        tools_version: '',
        tools_auto_update: false,
        agent_version: '',
        agent_auto_update: false,
        agent_update_jitter_seconds: 0,
      },
      edition: 'community',
      fips: false,
    };
  }

  /** Node http request handler. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message ?? String(err));
      if (e.status === 500) this.ctx.log('web api error', { path: req.url, error: e.message });
      if (!res.headersSent) replyError(res, e);
      else res.destroy();
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let p = new URL(req.url ?? '/', 'https://x').pathname;
    // Upstream strips /v1 for these first segments when no route matched; any other /v1 path
    // gets the route-not-found reply.
    const seg = p.split('/');
    if (
      seg[1] === 'v1' &&
      ['webapi', 'enterprise', 'scripts', '.well-known', 'workload-identity', 'web'].includes(seg[2] ?? '')
    ) {
      p = p.slice(3);
    }
    const m = req.method ?? 'GET';
    if (m === 'GET' && p === '/webapi/ping') return replyJSON(res, 200, this.ping());
    if (m === 'GET' && p === '/webapi/find') return replyJSON(res, 200, this.ping(false));
    if (m === 'GET' && p.startsWith('/webapi/ping/'))
      return replyJSON(res, 200, this.pingConnector(decodeURIComponent(p.slice(13))));
    // The JWT CA's keys, for apps verifying teleport-jwt-assertion (unauthenticated, as upstream).
    if (m === 'GET' && p === '/.well-known/jwks.json')
      return replyJSON(res, 200, jwksResponse(await this.ctx.authority.jwtSigner()));
    if (m === 'GET' && p === '/webapi/motd') return replyJSON(res, 200, { Text: this.ctx.cfg.motd ?? '' });
    if (this.sso && (await this.sso.route(m, p, req, res))) return;
    if (m === 'POST' && p === '/webapi/mfa/login/begin')
      return replyJSON(res, 200, this.mfaBegin(await readJSON(req, badParameter)));
    if (m === 'POST' && p === '/webapi/mfa/login/finish') {
      const body = await readJSON(req, badParameter);
      const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      return replyJSON(res, 200, await this.mfaFinish(body, ip));
    }
    if (m === 'POST' && p === '/webapi/headless/login') return handleHeadlessLogin(this.ctx, req, res);
    // v18 has no /webapi/ssh/certs (deprecated in v17, removed for v18): it lands here too.
    // Drain any body so the connection stays usable for the client's next request.
    req.resume();
    return replyRouteNotFound(res, this.ctx.cfg.server_version);
  }

  /**
   * lib/web/apiserver.go mfaLoginBegin: the auth server checks the password (counting failures
   * towards the lock) and builds a challenge from the user's devices the cluster allows; the
   * proxy turns every failure into AccessDenied "invalid credentials".
   */
  private mfaBegin(body: Record<string, unknown>): Record<string, unknown> {
    const { cfg } = this.ctx;
    if (body.passwordless === true) {
      if (!webauthnEnabled(cfg)) throw badParameter(MSG_PASSWORDLESS_REQUIRES_WEBAUTHN);
      const a = relyingParty(cfg).begin(undefined, 'passwordless');
      return { webauthn_challenge: assertionJSON(a), totp_challenge: false, sso_challenge: null };
    }
    const username = String(body.user ?? '');
    const user = this.ctx.cfg.users.find((u) => u.name === username);
    try {
      this.withUserLock(user, () => {
        if (!user || user.password !== String(body.pass ?? '')) throw accessDenied(MSG_INVALID_USER_PASS);
      });
    } catch {
      throw accessDenied(MSG_INVALID_CREDENTIALS);
    }
    const webauthn = hasWebauthnDevice(cfg, user!) ? relyingParty(cfg).begin(user!, 'login') : undefined;
    return {
      webauthn_challenge: webauthn ? assertionJSON(webauthn) : null,
      totp_challenge: totpEnabled(cfg) && !!user!.totp_secret,
      sso_challenge: null,
    };
  }

  private pingConnector(name: string): Record<string, unknown> {
    if (['local', 'passwordless', 'headless'].includes(name)) {
      const r = this.ping();
      (r.auth as Record<string, unknown>).local = { name };
      return r;
    }
    const sso = this.sso?.pingConnector(name, () => this.ping());
    if (sso) return sso;
    const valid = ['local', ...(this.sso?.connectorNames() ?? [])].join(', ');
    throw badParameter(`invalid connector name: ${name}; valid options: ${valid}`);
  }

  /**
   * lib/auth WithUserLock: refuses a locked user, counts a failed attempt, and locks the user when
   * the attempts reach max_login_attempts; both the locked refusal and the locking attempt say
   * MaxFailedAttemptsErrMsg. A success clears the count.
   */
  private withUserLock<T>(user: UserConfig | undefined, fn: () => T): T {
    if (!user) return fn();
    const f = this.failures.get(user.name);
    if (f && f.lockedUntil > Date.now()) throw accessDenied(MSG_MAX_ATTEMPTS);
    try {
      const out = fn();
      this.failures.delete(user.name);
      return out;
    } catch (err) {
      const rec = this.failures.get(user.name) ?? { count: 0, lockedUntil: 0 };
      rec.count += 1;
      this.failures.set(user.name, rec);
      if (rec.count >= this.ctx.cfg.max_login_attempts) {
        rec.lockedUntil = Date.now() + this.ctx.cfg.lockout_minutes * 60_000;
        rec.count = 0;
        this.ctx.log('user locked', { user: user.name });
        throw accessDenied(MSG_MAX_ATTEMPTS);
      }
      throw err;
    }
  }

  /**
   * lib/web/apiserver.go mfaLoginFinish -> lib/auth authenticateUser: a TOTP code means the
   * password + OTP check (failures say "invalid username, password or second factor"); no MFA
   * answer means password only, refused with "missing second factor" unless second_factor is off.
   * Auth errors pass through the proxy unchanged.
   */
  private async mfaFinish(body: Record<string, unknown>, loginIp: string): Promise<Record<string, unknown>> {
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    parsePublicKeys(str('ssh_pub_key'), str('tls_pub_key'), str('pub_key'));
    const compat = str('compatibility');
    if (compat && compat !== 'standard' && compat !== 'oldssh')
      throw badParameter(`invalid certificate format parameter: ${JSON.stringify(compat)}`);
    const { cfg } = this.ctx;
    const username = str('user');
    const password = str('password');
    const otp = str('totp_code');
    const user = cfg.users.find((u) => u.name === username);
    if (body.webauthn_challenge_response) {
      const resp = assertionResponseFromJSON(body.webauthn_challenge_response);
      if (!webauthnEnabled(cfg)) throw this.lockedOr(user, accessDenied(MSG_INVALID_WEBAUTHN));
      if (!username) {
        // authenticatePasswordless: no lock before the user is known; failures say the generic text.
        const who = await relyingParty(cfg)
          .finish(cfg.users, undefined, 'passwordless', resp)
          .catch((err: unknown) => this.webauthnFailure(err));
        this.withUserLock(who.user, () => undefined);
        return this.issue(body, loginIp, who.user);
      }
      await this.withUserLockAsync(user, async () => {
        if (!user) throw accessDenied(MSG_INVALID_WEBAUTHN);
        // A password, when sent, is checked too (checkPasswordWOToken).
        if (password && user.password !== password) throw accessDenied(MSG_INVALID_WEBAUTHN);
        await relyingParty(cfg)
          .finish(cfg.users, user.name, 'login', resp)
          .catch((err: unknown) => this.webauthnFailure(err));
      });
      return this.issue(body, loginIp, user!);
    }
    if (otp) {
      this.withUserLock(user, () => {
        const ok =
          !!user &&
          user.password === password &&
          totpEnabled(cfg) &&
          !!user.totp_secret &&
          verifyTotp(user.totp_secret, otp);
        if (!ok) throw accessDenied(MSG_INVALID_USER_PASS_2F);
      });
      return this.issue(body, loginIp, user!);
    }
    if (!password) throw accessDenied('unsupported authentication method');
    if (cfg.second_factor !== 'off') throw accessDenied(MSG_MISSING_SECOND_FACTOR);
    this.withUserLock(user, () => {
      if (!user || user.password !== password) throw accessDenied(MSG_INVALID_USER_PASS);
    });
    return this.issue(body, loginIp, user!);
  }

  /** Logs why a WebAuthn answer failed and throws upstream's generic text. */
  private webauthnFailure(err: unknown): never {
    this.ctx.log('webauthn login failed', { error: (err as Error).message });
    if (err instanceof WebauthnError || err instanceof HttpError) throw accessDenied(MSG_INVALID_WEBAUTHN);
    throw err;
  }

  /** withUserLock for a check that awaits (the WebAuthn verification). */
  private async withUserLockAsync(user: UserConfig | undefined, fn: () => Promise<void>): Promise<void> {
    if (!user) return fn();
    const f = this.failures.get(user.name);
    if (f && f.lockedUntil > Date.now()) throw accessDenied(MSG_MAX_ATTEMPTS);
    let failure: unknown;
    try {
      await fn();
    } catch (err) {
      failure = err;
    }
    this.withUserLock(user, () => {
      if (failure) throw failure;
    });
  }

  /** A locked user hears about the lock first (getErrorByTraceField), else `err`. */
  private lockedOr(user: UserConfig | undefined, err: HttpError): HttpError {
    const f = user && this.failures.get(user.name);
    return f && f.lockedUntil > Date.now() ? accessDenied(MSG_MAX_ATTEMPTS) : err;
  }

  private async issue(
    body: Record<string, unknown>,
    loginIp: string,
    user: UserConfig,
  ): Promise<Record<string, unknown>> {
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const { sshKey, tlsKey } = parsePublicKeys(str('ssh_pub_key'), str('tls_pub_key'), str('pub_key'));
    const ttlNs = typeof body.ttl === 'number' ? body.ttl : 0;
    const route = str('RouteToCluster');
    if (route && route !== this.ctx.cfg.cluster_name)
      throw new HttpError(404, `cluster ${route} is not found`);
    const { response, expires } = await loginResponse(this.ctx, user, {
      sshKey,
      tlsKey,
      ttlNs,
      compatibility: str('compatibility'),
      routeToCluster: route,
      kubernetesCluster: str('KubernetesCluster'),
      loginIp,
    });
    this.ctx.log('user login', { user: user.name, expires: expires.toISOString() });
    return response;
  }
}

function b64(s: string, what: string): string {
  const buf = Buffer.from(s, 'base64');
  if (!buf.length) throw badParameter(`${what} is not valid base64`);
  return buf.toString('utf8');
}

function parsePublicKeys(
  ssh: string,
  tls: string,
  legacy: string,
): { sshKey?: KeyObject; tlsKey?: KeyObject } {
  // lib/client/weblogin.go UserPublicKeys.CheckAndSetDefaults messages.
  if (legacy && ssh) throw badParameter("'pub_key' and 'ssh_pub_key' cannot both be set");
  if (legacy && tls) throw badParameter("'pub_key' and 'tls_pub_key' cannot both be set");
  if (legacy) ssh = tls = '';
  const sshText = ssh ? b64(ssh, 'ssh_pub_key') : legacy ? b64(legacy, 'pub_key') : '';
  if (!sshText && !tls) throw badParameter("'ssh_pub_key' or 'tls_pub_key' must be set");
  let sshKey: KeyObject | undefined;
  let tlsKey: KeyObject | undefined;
  try {
    if (sshText) sshKey = parseSshPublicKeyBlob(parseAuthorizedKey(sshText).blob).key;
  } catch (err) {
    throw badParameter(`failed to parse SSH public key: ${(err as Error).message}`);
  }
  try {
    if (tls) tlsKey = createPublicKey(b64(tls, 'tls_pub_key'));
    else if (legacy && sshKey) tlsKey = sshKey;
  } catch (err) {
    throw badParameter(`failed to parse TLS public key: ${(err as Error).message}`);
  }
  return { sshKey, tlsKey };
}
