// Local (password + OTP) login against a proxy: ping, keys per suite, the MFA login ceremony
// (/webapi/mfa/login/begin + finish, whatever second_factor ping reports, as lib/client/api.go
// localLogin does since v17), then save CAs, keys and profile (tool/tsh/common onLogin +
// lib/client/weblogin.go SSHAgentMFALogin).
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { generateUserKeys, marshalTLSPublicKey, normalizeSuite, sameKey } from '../auth/keygen.js';
import { buildIdentityFile, writeIdentityFile } from '../auth/identityfile.js';
import { FileKeyStore, type KeyRing, type TrustedCerts } from '../auth/keystore.js';
import { ProfileStore, profileNameFromAddr, splitHostPort, type Profile } from '../auth/profile.js';
import { parseSshCertificateLine } from '../auth/ssh/cert.js';
import { marshalAuthorizedKey } from '../auth/ssh/keys.js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import type { Prompter } from '../term/prompt.js';
import { goDurationString } from '../format/duration.js';
import { TshError } from '../util/errors.js';
import { TELEPORT_COMPAT_VERSION } from '../version.js';
import { configHome, noLog, type ClientConfig } from './config.js';
import { identityFromKeyRing, type ClientIdentity } from './identity.js';
import { versionWarning } from './versioncheck.js';
import { mfaLoginAnswer } from './mfa/login.js';
import {
  DEFAULT_SSH_PORT,
  WebClient,
  trustedRootsFromEnv,
  normalizeProxyAddr,
  type AuthenticateSSHUserRequest,
  type PingResponse,
  type SSHLoginResponse,
} from './webapi.js';
import { ssoLogin, ssoTarget } from './sso/login.js';

/** tsh's default certificate TTL (defaults.CertDuration). */
export const DEFAULT_TTL_MINUTES = 12 * 60;

/** SSH certificate formats tsh accepts for --cert-format (lib/utils CheckCertificateFormatFlag). */
export const CERT_FORMATS = ['standard', 'oldssh'] as const;

/** The OTP prompt of lib/client/mfa/cli.go (no device type prefix). */
export const OTP_PROMPT = 'Enter an OTP code from a device:';

/**
 * Validates --cert-format as upstream's CheckCertificateFormatFlag does; "" means unspecified
 * (the role's cert_format decides, and the login body carries no `compatibility`).
 */
export function checkCertificateFormat(v: string | undefined): string {
  if (v === undefined || v === '') return '';
  if ((CERT_FORMATS as readonly string[]).includes(v)) return v;
  throw new TshError(`invalid certificate format parameter: ${JSON.stringify(v)}`, 'bad-parameter');
}

export interface LoginOptions {
  proxy: string;
  user: string;
  /** minutes */
  ttl?: number;
  otp?: string;
  /** --mfa-mode (auto | cross-platform | platform | otp | sso); unset reads TELEPORT_MFA_MODE. */
  mfaMode?: string;
  out?: string;
  insecure?: boolean;
  authConnector?: string;
  /** --cert-format: standard | oldssh; unset lets the cluster (the role) decide. */
  certFormat?: string;
  skipVersionCheck?: boolean;
  /** SSO: --bind-addr, --callback, --browser ("none" prints the link), the callback wait. */
  bindAddr?: string;
  callbackAddr?: string;
  browser?: string;
  ssoTimeoutMs?: number;
  /** Warnings (version, MOTD) and the SSO link texts go here. */
  warn: (text: string) => void;
  prompter: Prompter;
}

export interface LoginResult {
  profile?: Profile;
  /** The credentials just saved, from memory (what follows the login uses them, not the files). */
  identity?: ClientIdentity;
  identityFile?: string;
  username: string;
  clusterName: string;
}

/** The SSH proxy address tsh stores in the profile (ProxySettings.SSHProxyHostPort). */
export function sshProxyAddr(ping: PingResponse, webAddr: string): string {
  const ssh = ping.proxy.ssh ?? {};
  const { host: webHost, port: webPort } = splitHostPort(webAddr);
  if (ping.proxy.tls_routing_enabled) {
    const a = ssh.public_addr || ssh.web_listen_addr;
    if (!a) return webAddr;
    const { host, port } = splitHostPort(a);
    return `${host}:${port ?? webPort}`;
  }
  if (ssh.ssh_public_addr) {
    const { host, port } = splitHostPort(ssh.ssh_public_addr);
    return `${host}:${port ?? DEFAULT_SSH_PORT}`;
  }
  if (ssh.public_addr) return `${splitHostPort(ssh.public_addr).host}:${DEFAULT_SSH_PORT}`;
  if (ssh.listen_addr) return `${webHost}:${splitHostPort(ssh.listen_addr).port ?? DEFAULT_SSH_PORT}`;
  return `${webHost}:${DEFAULT_SSH_PORT}`;
}

/** Profile fields from ping, as applyProxySettings + SaveProfile do. */
export function profileFromPing(
  ping: PingResponse,
  webAddr: string,
  user: string,
  cluster: string,
  opts: { authConnector?: string },
): Profile {
  const kube = ping.proxy.kube ?? {};
  const tlsRouting = !!ping.proxy.tls_routing_enabled;
  let kubeAddr: string | undefined;
  if (kube.enabled)
    kubeAddr = tlsRouting
      ? webAddr
      : kube.public_addr || kube.listen_addr || `${splitHostPort(webAddr).host}:3026`;
  const db = (ping.proxy.db ?? {}) as Record<string, string | undefined>;
  // applyProxySettings copies proxy.ssh.dial_timeout as is; yaml.v2 writes a time.Duration as
  // its String() form ("30s") and omitempty drops zero.
  const dialNs = Number(ping.proxy.ssh?.dial_timeout ?? 0);
  return {
    webProxyAddr: webAddr,
    sshProxyAddr: sshProxyAddr(ping, webAddr),
    kubeProxyAddr: kubeAddr,
    postgresProxyAddr: db.postgres_public_addr || db.postgres_listen_addr || webAddr,
    mysqlProxyAddr: db.mysql_public_addr || db.mysql_listen_addr || undefined,
    mongoProxyAddr: db.mongo_public_addr || db.mongo_listen_addr || undefined,
    username: user,
    siteName: cluster,
    tlsRoutingEnabled: tlsRouting,
    authConnector: opts.authConnector,
    loadAllCAs: !!ping.auth.load_all_cas,
    privateKeyPolicy: String(ping.auth.private_key_policy ?? 'none') || 'none',
    pivSlot: String(ping.auth.piv_slot ?? ''),
    missingClusterDetails: false,
    sshDialTimeout: Number.isFinite(dialNs) && dialNs > 0 ? goDurationString(dialNs) : undefined,
  };
}

function decodeB64(v: string | undefined | null, what: string): string {
  if (!v) throw new TshError(`proxy sent no ${what} in the login response`, 'internal');
  return Buffer.from(v, 'base64').toString('utf8');
}

export function trustedFromResponse(resp: SSHLoginResponse): TrustedCerts[] {
  return (resp.host_signers ?? []).map((h) => ({
    clusterName: h.domain_name,
    sshCAKeys: (h.checking_keys ?? []).map((k) => Buffer.from(k, 'base64').toString('utf8').trim()),
    tlsCAs: (h.tls_certs ?? []).map((c) => Buffer.from(c, 'base64').toString('utf8')),
  }));
}

/** Checks that the certificates are for our keys, so a confused proxy cannot plant others. */
function checkCertsMatchKeys(sshCert: string, tlsCert: string, sshKey: KeyObject, tlsKey: KeyObject): void {
  const cert = parseSshCertificateLine(sshCert);
  if (!sameKey(cert.publicKey, createPublicKey(sshKey))) {
    throw new TshError('proxy returned an SSH certificate for a different key', 'internal');
  }
  if (!new X509Certificate(tlsCert).checkPrivateKey(tlsKey)) {
    throw new TshError('proxy returned a TLS certificate for a different key', 'internal');
  }
}

/** Logs in and saves keys, CAs and profile under the config's home (or writes an identity file). */
export async function login(config: ClientConfig, o: LoginOptions): Promise<LoginResult> {
  const log = config.log ?? noLog;
  const home = configHome(config);
  const webAddr = normalizeProxyAddr(o.proxy);
  // Checked before any network use, as tsh's makeClient parses --cert-format.
  const compatibility = checkCertificateFormat(o.certFormat);
  const web = new WebClient({
    proxyAddr: webAddr,
    insecure: o.insecure,
    ca: trustedRootsFromEnv(config.env ?? process.env),
    userAgent: `tshjs/${TELEPORT_COMPAT_VERSION}`,
  });
  if (o.insecure) o.warn(`WARNING: You are using insecure connection to Teleport proxy https://${webAddr}\n`);
  try {
    log('ping', { proxy: webAddr });
    const ping = await web.ping(o.authConnector && o.authConnector !== 'local' ? o.authConnector : undefined);
    if (!o.skipVersionCheck) {
      const w = versionWarning(ping.min_client_version, ping.server_version, TELEPORT_COMPAT_VERSION);
      if (w) o.warn(w);
    }
    if (ping.auth.has_motd) {
      const motd = await web.motd();
      if (motd.Text) o.warn(`${motd.Text}\n`);
    }
    const authType =
      o.authConnector && o.authConnector !== 'local' ? ping.auth.type : (ping.auth.type ?? 'local');
    const sso = ssoTarget(ping);
    if (authType && authType !== 'local' && !sso) {
      throw new TshError(
        `${authType} (SSO) login is not supported by tshjs yet; use a local user or an identity file (-i)`,
        'bad-parameter',
      );
    }
    const suite = normalizeSuite(ping.auth.signature_algorithm_suite);
    const keys = generateUserKeys(suite, { single: !!o.out });
    log('generated keys', { suite, ssh: keys.ssh.asymmetricKeyType, tls: keys.tls.asymmetricKeyType });

    const sshPubKey = Buffer.from(marshalAuthorizedKey(keys.ssh)).toString('base64');
    const tlsPubKey = Buffer.from(marshalTLSPublicKey(createPublicKey(keys.tls))).toString('base64');
    const ttlNs = (o.ttl ?? DEFAULT_TTL_MINUTES) * 60 * 1e9;
    let resp: SSHLoginResponse;
    let ssoHost: string | undefined;
    if (sso) {
      ({ response: resp, ssoHost } = await ssoLogin({
        ...sso,
        bindAddr: o.bindAddr,
        callbackAddr: o.callbackAddr,
        browser: o.browser,
        web,
        proxyAddr: webAddr,
        sshPubKey,
        tlsPubKey,
        ttlNs,
        compatibility,
        stderr: o.warn,
        timeoutMs: o.ssoTimeoutMs,
        env: config.env,
      }));
    } else {
      // Password + OTP/WebAuthn, or passwordless (src/client/mfa/login.ts).
      const mfa = await mfaLoginAnswer(web, ping, { ...o, env: config.env ?? process.env, out: o.warn });
      const finish: AuthenticateSSHUserRequest = {
        ...mfa,
        ssh_pub_key: sshPubKey,
        tls_pub_key: tlsPubKey,
        ttl: ttlNs,
        compatibility: compatibility || undefined,
        RouteToCluster: '',
        KubernetesCluster: '',
      };
      resp = await web.mfaLoginFinish(finish);
    }
    const sshCert = decodeB64(resp.cert, 'SSH certificate').trim() + '\n';
    const tlsCert = decodeB64(resp.tls_cert, 'TLS certificate');
    checkCertsMatchKeys(sshCert, tlsCert, keys.ssh, keys.tls);
    const trusted = trustedFromResponse(resp);
    const clusterName = decodeTlsIdentity(tlsCert).routeToCluster || ping.cluster_name;
    const proxyHost = profileNameFromAddr(webAddr);

    if (o.out) {
      writeIdentityFile(
        o.out,
        buildIdentityFile({ sshKey: keys.ssh, tlsKey: keys.tls, sshCert, tlsCert, proxyHost, trusted }),
      );
      return { identityFile: o.out, username: resp.username, clusterName };
    }

    const ring: KeyRing = {
      proxyHost,
      username: resp.username,
      clusterName,
      sshKey: keys.ssh,
      tlsKey: keys.tls,
      sshCert,
      tlsCert,
    };
    const profile = profileFromPing(ping, webAddr, resp.username, clusterName, {
      authConnector: o.authConnector,
    });
    if (ssoHost) profile.ssoHost = ssoHost;
    const keyStore = new FileKeyStore(home);
    const profiles = new ProfileStore(home);
    const trustedTLS = keyStore.locked(() => {
      keyStore.writeTrustedCerts(proxyHost, trusted);
      keyStore.writeKeyRing(ring);
      profiles.write(profile);
      profiles.setCurrent(proxyHost);
      return keyStore.readTrustedTLS(proxyHost);
    });
    const sshCertPath = keyStore.paths.sshCert(proxyHost, resp.username, clusterName);
    const identity = identityFromKeyRing(ring, profile, trustedTLS, sshCertPath);
    return { profile, identity, username: resp.username, clusterName };
  } finally {
    web.close();
  }
}
