// The proxy's HTTPS web API as tsh uses it for login (api/client/webclient, lib/client/weblogin.go).
// Login is always the two-step MFA ceremony (POST /v1/webapi/mfa/login/begin, then /finish), as
// tsh v17+ does; v18 proxies no longer serve /v1/webapi/ssh/certs.
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { TshError } from '../util/errors.js';
import { splitHostPort } from '../auth/profile.js';
import { DEFAULT_WEB_PORT, normalizeProxyAddr } from './addr.js';

export { DEFAULT_SSH_PORT, DEFAULT_WEB_PORT, normalizeProxyAddr } from './addr.js';

export interface PingResponse {
  auth: {
    type?: string;
    second_factor?: string;
    preferred_local_mfa?: string;
    allow_passwordless?: boolean;
    allow_headless?: boolean;
    local?: { name?: string };
    private_key_policy?: string;
    piv_slot?: string;
    has_motd?: boolean;
    load_all_cas?: boolean;
    signature_algorithm_suite?: string | number;
    [k: string]: unknown;
  };
  proxy: {
    kube?: { enabled?: boolean; public_addr?: string; listen_addr?: string };
    ssh?: {
      listen_addr?: string;
      tunnel_listen_addr?: string;
      web_listen_addr?: string;
      public_addr?: string;
      ssh_public_addr?: string;
      ssh_tunnel_public_addr?: string;
      /** time.Duration, integer nanoseconds; omitted when zero. */
      dial_timeout?: number;
    };
    db?: Record<string, string>;
    tls_routing_enabled?: boolean;
    [k: string]: unknown;
  };
  server_version: string;
  min_client_version: string;
  cluster_name: string;
  [k: string]: unknown;
}

export interface TrustedCertsJSON {
  domain_name: string;
  checking_keys?: string[] | null;
  tls_certs?: string[] | null;
}

export interface SSHLoginResponse {
  username: string;
  cert?: string;
  tls_cert?: string;
  host_signers?: TrustedCertsJSON[] | null;
}

/** Body of /webapi/mfa/login/begin (lib/client/weblogin.go MFAChallengeRequest). */
export interface MFAChallengeRequest {
  user: string;
  pass: string;
  passwordless: boolean;
}

/** Answer of /webapi/mfa/login/begin (lib/client/weblogin.go MFAAuthenticateChallenge). */
export interface MFAAuthenticateChallenge {
  webauthn_challenge?: unknown;
  totp_challenge?: boolean;
  sso_challenge?: unknown;
}

/** Body of /webapi/mfa/login/finish (lib/client/weblogin.go AuthenticateSSHUserRequest). */
export interface AuthenticateSSHUserRequest {
  user: string;
  password: string;
  /** wantypes.CredentialAssertionResponse JSON (base64url bytes), or null. */
  webauthn_challenge_response: Record<string, unknown> | null;
  totp_code: string;
  /** base64 of the authorized_keys line ([]byte in Go). */
  ssh_pub_key?: string;
  /** base64 of the PEM public key ([]byte in Go). */
  tls_pub_key?: string;
  /** nanoseconds (time.Duration). */
  ttl: number;
  /** omitempty upstream: only sent when the user chose --cert-format. */
  compatibility?: string;
  RouteToCluster: string;
  KubernetesCluster: string;
}

/**
 * The finish body with its keys in the order Go's encoding/json writes AuthenticateSSHUserRequest
 * (struct order, the embedded UserPublicKeys fields in place, omitempty fields left out when empty).
 */
export function authenticateSSHUserBody(r: AuthenticateSSHUserRequest): AuthenticateSSHUserRequest {
  return {
    user: r.user,
    password: r.password,
    webauthn_challenge_response: r.webauthn_challenge_response ?? null,
    totp_code: r.totp_code,
    ...(r.ssh_pub_key ? { ssh_pub_key: r.ssh_pub_key } : {}),
    ...(r.tls_pub_key ? { tls_pub_key: r.tls_pub_key } : {}),
    ttl: r.ttl,
    ...(r.compatibility ? { compatibility: r.compatibility } : {}),
    RouteToCluster: r.RouteToCluster,
    KubernetesCluster: r.KubernetesCluster,
  };
}

export interface WebClientOptions {
  /** host:port of the proxy's web address. */
  proxyAddr: string;
  insecure?: boolean;
  /** Extra trusted CAs (PEM); the system roots are used too. */
  ca?: string[];
  timeoutMs?: number;
  userAgent?: string;
}

/**
 * Like Go's crypto/x509 on Linux (which tsh uses), SSL_CERT_FILE replaces the system roots.
 * A missing or empty file is an error, so a typo never silently falls back.
 */
export function trustedRootsFromEnv(env: NodeJS.ProcessEnv): string[] | undefined {
  const file = env.SSL_CERT_FILE;
  if (!file) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TshError(
      `cannot read SSL_CERT_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      'bad-parameter',
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TshError(`SSL_CERT_FILE ${file} holds no PEM certificates`, 'bad-parameter');
  }
  return [text];
}

export class WebApiError extends TshError {
  constructor(
    message: string,
    readonly status: number,
    kind: TshError['kind'],
  ) {
    super(message, kind);
  }
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

export class WebClient {
  private readonly agent: https.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(readonly opts: WebClientOptions) {
    const { host, port } = splitHostPort(normalizeProxyAddr(opts.proxyAddr));
    this.host = host;
    this.port = port ?? DEFAULT_WEB_PORT;
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 4,
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: !opts.insecure,
      ...(opts.ca?.length ? { ca: opts.ca } : {}),
    });
  }

  get proxyAddr(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  close(): void {
    this.agent.destroy();
  }

  ping(connector?: string): Promise<PingResponse> {
    const suffix = connector ? `/${encodeURIComponent(connector)}` : '';
    return this.request<PingResponse>('GET', `/webapi/ping${suffix}`);
  }

  find(): Promise<PingResponse> {
    return this.request<PingResponse>('GET', '/webapi/find');
  }

  /** Password check + MFA challenge (the first step of SSHAgentMFALogin). */
  mfaLoginBegin(req: MFAChallengeRequest): Promise<MFAAuthenticateChallenge> {
    const body: MFAChallengeRequest = { user: req.user, pass: req.pass, passwordless: req.passwordless };
    return this.request<MFAAuthenticateChallenge>('POST', '/v1/webapi/mfa/login/begin', body);
  }

  /** Password + the answer to the challenge (none, a TOTP code or a WebAuthn assertion), or a passwordless assertion, for certificates. */
  mfaLoginFinish(req: AuthenticateSSHUserRequest): Promise<SSHLoginResponse> {
    return this.request<SSHLoginResponse>(
      'POST',
      '/v1/webapi/mfa/login/finish',
      authenticateSSHUserBody(req),
    );
  }

  motd(): Promise<{ Text?: string }> {
    return this.request('GET', '/webapi/motd');
  }

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          servername: isIP(this.host) ? undefined : this.host,
          timeout: this.opts.timeoutMs ?? 30_000,
          headers: {
            Accept: 'application/json',
            'User-Agent': this.opts.userAgent ?? 'tshjs',
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          readBody(res)
            .then((buf) => resolve(this.decode<T>(res, buf, path)))
            .catch(reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new TshError(`proxy ${this.proxyAddr} did not answer in time`, 'connection-problem')),
      );
      req.on('error', (err) => reject(this.transportError(err)));
      req.end(payload);
    });
  }

  private decode<T>(res: IncomingMessage, buf: Buffer, path: string): T {
    const status = res.statusCode ?? 0;
    let json: unknown;
    try {
      json = buf.length ? JSON.parse(buf.toString('utf8')) : {};
    } catch {
      if (status >= 200 && status < 300) {
        throw new TshError(
          `proxy ${this.proxyAddr} sent a non-JSON answer to ${path}; is this a Teleport proxy?`,
          'connection-problem',
        );
      }
      json = {};
    }
    if (status >= 200 && status < 300) return json as T;
    const msg = errorMessage(json) ?? `HTTP ${status}`;
    throw new WebApiError(msg, status, statusKind(status));
  }

  private transportError(err: Error & { code?: string }): Error {
    if (err instanceof TshError) return err;
    const code = err.code ?? '';
    if (TLS_CODES.has(code) || /certificate|self.signed|altname/i.test(err.message)) {
      return new TshError(
        `the proxy ${this.proxyAddr} presented a certificate that is not trusted (${code || err.message}); ` +
          'use --insecure only for a test cluster you control',
        'bad-tls',
        1,
        { cause: err },
      );
    }
    if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'EHOSTUNREACH' ||
      code === 'ECONNRESET' ||
      code === 'EAI_AGAIN'
    ) {
      return new TshError(
        `cannot reach proxy ${this.proxyAddr} (${code}); check --proxy and that the proxy is running`,
        'connection-problem',
        1,
        { cause: err },
      );
    }
    if (
      /wrong version number|EPROTO/i.test(err.message) ||
      code === 'EPROTO' ||
      code === 'ERR_SSL_WRONG_VERSION_NUMBER'
    ) {
      return new TshError(
        `proxy ${this.proxyAddr} does not speak TLS; check the port in --proxy`,
        'connection-problem',
        1,
        { cause: err },
      );
    }
    return new TshError(
      `request to proxy ${this.proxyAddr} failed: ${err.message}`,
      'connection-problem',
      1,
      { cause: err },
    );
  }
}

function isIP(h: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(h) || h.includes(':');
}

function readBody(res: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        res.destroy(new TshError('proxy answer is too large', 'connection-problem'));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

/** Upstream trace errors travel as {"error":{"message":...}}; accept a few older shapes too. */
export function errorMessage(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  const e = o.error;
  if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') {
    return (e as Record<string, string>).message;
  }
  if (typeof e === 'string') return e;
  if (typeof o.message === 'string') return o.message;
  return undefined;
}

function statusKind(status: number): TshError['kind'] {
  if (status === 401 || status === 403) return 'access-denied';
  if (status === 404) return 'not-found';
  if (status === 400) return 'bad-parameter';
  return 'internal';
}
