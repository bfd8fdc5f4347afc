// Headless login (tsh --headless / --auth=headless; lib/client/api.go headlessLogin +
// lib/client/weblogin.go SSHAgentHeadlessLogin): fresh keys in memory, the headless ID derived from
// the SSH public key, the approval URL and the `tsh headless approve` command printed to stderr,
// then one POST /v1/webapi/headless/login that blocks until the user approves or denies it from a
// logged-in machine. Nothing is written to ~/.tsh and no key goes to an agent: the certificates
// (one minute, MFA-verified) live in the returned identity for the one command that asked.
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import {
  generateUserKeys,
  marshalTLSPrivateKey,
  marshalTLSPublicKey,
  normalizeSuite,
  sameKey,
} from '../auth/keygen.js';
import { parseSshCertificateLine } from '../auth/ssh/cert.js';
import { marshalAuthorizedKey } from '../auth/ssh/keys.js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import { DEFAULT_SSH_DIAL_TIMEOUT_MS } from '../auth/profile.js';
import { TshError } from '../util/errors.js';
import { TELEPORT_COMPAT_VERSION } from '../version.js';
import { noLog, type ClientConfig } from './config.js';
import { HEADLESS_CONNECTOR } from './headlessflag.js';
import { headlessAuthenticationId } from '../wire/headlessid.js';
import type { ClientIdentity } from './identity.js';
import { DEFAULT_TTL_MINUTES, checkCertificateFormat, sshProxyAddr, trustedFromResponse } from './login.js';
import { versionWarning } from './versioncheck.js';
import {
  WebApiError,
  WebClient,
  normalizeProxyAddr,
  trustedRootsFromEnv,
  type PingResponse,
  type SSHLoginResponse,
} from './webapi.js';

/** lib/defaults HeadlessLoginTimeout (= SSOCallbackTimeout): the blocking POST's HTTP timeout. */
export const HEADLESS_LOGIN_TIMEOUT_MS = 180_000;

/** The approval instructions tsh prints before it blocks (lib/client/api.go headlessLogin). */
export function approvalText(webProxyAddr: string, user: string, id: string): string {
  return (
    'Complete headless authentication in your local web browser:\n\n' +
    `https://${webProxyAddr}/web/headless/${id}\n\n` +
    'or execute this command in your local terminal:\n\n' +
    `tsh headless approve --user=${user} --proxy=${webProxyAddr} ${id}\n`
  );
}

export interface HeadlessLoginOptions {
  proxy: string;
  user: string;
  /** minutes; the cluster issues one minute whatever is asked */
  ttl?: number;
  insecure?: boolean;
  certFormat?: string;
  skipVersionCheck?: boolean;
  /** The approval instructions and warnings (stderr in the CLI). */
  warn: (text: string) => void;
  /** Replaces the 180s wait (tests). */
  timeoutMs?: number;
}

export interface HeadlessSession {
  identity: ClientIdentity;
  /** The request ID the approver used. */
  id: string;
  ping: PingResponse;
  sshCert: string;
  tlsCert: string;
}

function decodeB64(v: string | undefined | null, what: string): string {
  if (!v) throw new TshError(`proxy sent no ${what} in the login response`, 'internal');
  return Buffer.from(v, 'base64').toString('utf8');
}

function checkCertsMatchKeys(sshCert: string, tlsCert: string, sshKey: KeyObject, tlsKey: KeyObject): void {
  if (!sameKey(parseSshCertificateLine(sshCert).publicKey, createPublicKey(sshKey)))
    throw new TshError('proxy returned an SSH certificate for a different key', 'internal');
  if (!new X509Certificate(tlsCert).checkPrivateKey(tlsKey))
    throw new TshError('proxy returned a TLS certificate for a different key', 'internal');
}

/** Runs the headless login and returns the in-memory identity; nothing touches the disk. */
export async function headlessLogin(config: ClientConfig, o: HeadlessLoginOptions): Promise<HeadlessSession> {
  const log = config.log ?? noLog;
  const webAddr = normalizeProxyAddr(o.proxy);
  const compatibility = checkCertificateFormat(o.certFormat);
  if (!o.user)
    throw new TshError('headless login needs a user; pass --user or set TELEPORT_USER', 'bad-parameter');
  const common = {
    proxyAddr: webAddr,
    insecure: o.insecure,
    ca: trustedRootsFromEnv(config.env ?? process.env),
    userAgent: `tshjs/${TELEPORT_COMPAT_VERSION}`,
  };
  if (o.insecure) o.warn(`WARNING: You are using insecure connection to Teleport proxy https://${webAddr}\n`);
  const web = new WebClient(common);
  // This one request waits for the approval: its timeout is the login timeout.
  const blocking = new WebClient({ ...common, timeoutMs: o.timeoutMs ?? HEADLESS_LOGIN_TIMEOUT_MS });
  try {
    const ping = await web.ping(HEADLESS_CONNECTOR);
    if (!o.skipVersionCheck) {
      const w = versionWarning(ping.min_client_version, ping.server_version, TELEPORT_COMPAT_VERSION);
      if (w) o.warn(w);
    }
    const suite = normalizeSuite(ping.auth.signature_algorithm_suite);
    const keys = generateUserKeys(suite);
    const sshPub = marshalAuthorizedKey(keys.ssh);
    const id = headlessAuthenticationId(sshPub);
    log('headless login', { proxy: webAddr, user: o.user, id });
    o.warn(approvalText(webAddr, o.user, id));
    const body = {
      user: o.user,
      headless_id: id,
      ssh_pub_key: Buffer.from(sshPub).toString('base64'),
      tls_pub_key: Buffer.from(marshalTLSPublicKey(createPublicKey(keys.tls))).toString('base64'),
      ttl: (o.ttl ?? DEFAULT_TTL_MINUTES) * 60 * 1e9,
      ...(compatibility ? { compatibility } : {}),
      RouteToCluster: '',
      KubernetesCluster: '',
    };
    let resp: SSHLoginResponse;
    try {
      resp = await blocking.request<SSHLoginResponse>('POST', '/v1/webapi/headless/login', body);
    } catch (err) {
      // Proxies before the dedicated endpoint took headless logins on /webapi/ssh/certs.
      if (!(err instanceof WebApiError && err.status === 404)) throw err;
      resp = await blocking.request<SSHLoginResponse>('POST', '/v1/webapi/ssh/certs', body);
    }
    const sshCert = decodeB64(resp.cert, 'SSH certificate').trim() + '\n';
    const tlsCert = decodeB64(resp.tls_cert, 'TLS certificate');
    checkCertsMatchKeys(sshCert, tlsCert, keys.ssh, keys.tls);
    const trusted = trustedFromResponse(resp);
    const tls = decodeTlsIdentity(tlsCert);
    const dialNs = Number(ping.proxy.ssh?.dial_timeout ?? 0);
    const identity: ClientIdentity = {
      username: resp.username,
      tlsCertPem: tlsCert,
      tlsKeyPem: marshalTLSPrivateKey(keys.tls),
      sshCert,
      sshKey: keys.ssh,
      sshDialTimeoutMs: dialNs > 0 ? dialNs / 1e6 : DEFAULT_SSH_DIAL_TIMEOUT_MS,
      trustedCAs: trusted.flatMap((t) => t.tlsCAs),
      rootCluster: tls.issuerCommonName,
      cluster: config.cluster || tls.routeToCluster || ping.cluster_name,
      webProxyAddr: webAddr,
      sshProxyAddr: sshProxyAddr(ping, webAddr),
      tlsRouting: !!ping.proxy.tls_routing_enabled,
      tls,
      // Host CAs from the login answer: the headless client never reads ~/.tsh/known_hosts.
      knownHosts: trusted.flatMap((t) => t.sshCAKeys.map((k) => `@cert-authority *.${t.clusterName} ${k}`)),
    };
    return { identity, id, ping, sshCert, tlsCert };
  } finally {
    web.close();
    blocking.close();
  }
}
