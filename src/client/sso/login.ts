// The SSO console login (lib/client/weblogin.go SSHAgentSSOLogin + lib/client/sso): start the
// loopback redirector, POST /v1/webapi/<kind>/login/console for the IdP URL, open (or print) a
// short link to it, then wait for the sealed response on the callback and decrypt it.
import { TshError } from '../../util/errors.js';
import type { SSHLoginResponse, WebClient } from '../webapi.js';
import { BROWSER_NONE, openInBrowser } from './browser.js';
import { Redirector, SSO_CALLBACK_TIMEOUT_MS } from './redirector.js';

/** Connector kinds with a console login endpoint. */
export const SSO_KINDS = ['oidc', 'saml', 'github'] as const;
export type SsoKind = (typeof SSO_KINDS)[number];

export const isSsoKind = (t: string | undefined): t is SsoKind =>
  !!t && (SSO_KINDS as readonly string[]).includes(t);

/** env vars behind --bind-addr and the hidden --browser-login (tool/tsh/common/tsh.go). */
export const BIND_ADDR_ENV = 'TELEPORT_LOGIN_BIND_ADDR';
export const BROWSER_ENV = 'TELEPORT_LOGIN_BROWSER';

export interface SsoLoginOptions {
  web: WebClient;
  /** host:port of the proxy's web address. */
  proxyAddr: string;
  kind: SsoKind;
  connectorId: string;
  /** base64 authorized_keys line and base64 PKIX PEM, as the password login sends. */
  sshPubKey: string;
  tlsPubKey: string;
  /** nanoseconds */
  ttlNs: number;
  compatibility?: string;
  routeToCluster?: string;
  kubernetesCluster?: string;
  bindAddr?: string;
  callbackAddr?: string;
  /** "none" prints the link instead of opening a browser. */
  browser?: string;
  /** Where the link texts go (tsh writes them to stderr). */
  stderr: (text: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface SsoLoginResult {
  response: SSHLoginResponse;
  /** Host of the IdP URL, saved in the profile as sso_host. */
  ssoHost: string;
}

/** lib/client SSOLoginConsoleReq, as JSON. */
export function consoleRequestBody(o: SsoLoginOptions, redirectURL: string): Record<string, unknown> {
  return {
    redirect_url: redirectURL,
    ssh_pub_key: o.sshPubKey,
    tls_pub_key: o.tlsPubKey,
    cert_ttl: o.ttlNs,
    connector_id: o.connectorId,
    ...(o.compatibility ? { compatibility: o.compatibility } : {}),
    RouteToCluster: o.routeToCluster ?? '',
    KubernetesCluster: o.kubernetesCluster ?? '',
  };
}

export async function ssoLogin(o: SsoLoginOptions): Promise<SsoLoginResult> {
  const env = o.env ?? process.env;
  const rd = new Redirector({
    proxyAddr: o.proxyAddr,
    bindAddr: o.bindAddr ?? (env[BIND_ADDR_ENV] || undefined),
    callbackAddr: o.callbackAddr,
  });
  await rd.start();
  // Ctrl-C from here on ends the login with one line instead of killing the process.
  const ac = new AbortController();
  const onInt = () => ac.abort();
  if (!o.signal) process.once('SIGINT', onInt);
  try {
    const reply = await o.web.request<{ redirect_url?: string }>(
      'POST',
      `/v1/webapi/${o.kind}/login/console`,
      consoleRequestBody(o, rd.callbackURL),
    );
    if (!reply.redirect_url) throw new TshError('proxy sent no redirect_url for the SSO login', 'internal');
    const link = rd.shortLink(reply.redirect_url);
    const browser = o.browser ?? (env[BROWSER_ENV] || undefined);
    try {
      await openInBrowser(browser, link, env);
    } catch (err) {
      o.stderr(`Failed to open a browser window for login: ${(err as Error).message}\r\n`);
    }
    if (browser === BROWSER_NONE) {
      o.stderr(`Use the following URL to authenticate:\r\n ${link}\r\n`);
    } else {
      o.stderr('If browser window does not open automatically, open it by ');
      o.stderr(`clicking on the link:\r\n ${link}\r\n`);
    }
    const plain = await rd.wait(o.timeoutMs ?? SSO_CALLBACK_TIMEOUT_MS, o.signal ?? ac.signal);
    let response: SSHLoginResponse;
    try {
      response = JSON.parse(plain.toString('utf8')) as SSHLoginResponse;
    } catch (err) {
      throw new TshError(`failed to decrypt response: ${(err as Error).message}`, 'bad-parameter');
    }
    return { response, ssoHost: new URL(reply.redirect_url).hostname };
  } finally {
    process.removeListener('SIGINT', onInt);
    rd.close();
  }
}

/**
 * The SSO connector a ping names (its auth.type and auth.<kind>.name), as tsh picks the connector
 * for the console login: from /webapi/ping/<--auth> or, without --auth, the cluster default.
 */
export function ssoTarget(ping: {
  auth: { type?: string; [k: string]: unknown };
}): { kind: SsoKind; connectorId: string; display: string } | undefined {
  const kind = ping.auth.type;
  if (!isSsoKind(kind)) return undefined;
  const s = (ping.auth[kind] ?? {}) as { name?: string; display?: string };
  return { kind, connectorId: s.name ?? '', display: s.display ?? '' };
}
