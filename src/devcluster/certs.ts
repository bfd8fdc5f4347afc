// Issues user certificates the way the auth server does (lib/auth generateUserCert):
// an OpenSSH user cert with Teleport extensions and an X.509 cert with the identity subject.
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { marshalCertificateLine, signSshCertificate } from '../auth/ssh/cert.js';
import type { Authority } from './authority.js';
import type { AccessInfo } from './rbac.js';
import { issueTlsCert } from './tlsca.js';
import { goTraitsJson, type RouteToApp, type RouteToDatabase } from '../auth/x509/identity.js';

/** Principal added to every user cert so the user can join sessions (SSHSessionJoinPrincipal). */
export const SESSION_JOIN_PRINCIPAL = '-teleport-internal-join';
/** Prefix for the placeholder principal when a user has no logins. */
export const NO_LOGIN_PREFIX = '-teleport-nologin-';

export interface UserCertRequest {
  username: string;
  access: AccessInfo;
  sshPublicKey?: KeyObject;
  tlsPublicKey?: KeyObject;
  ttlMs: number;
  /** "standard" (default) or "oldssh" (no Teleport extensions). */
  compatibility?: string;
  routeToCluster?: string;
  kubernetesCluster?: string;
  /** tlsca RouteToDatabase (OIDs 1.3.9999.2.1–4 and 2.19) of a database certificate. */
  routeToDatabase?: RouteToDatabase;
  /** tlsca RouteToApp (OIDs 1.3.9999.1.4–6, 1.10) of an app certificate, session id included. */
  routeToApp?: RouteToApp;
  loginIp?: string;
  /** Subject OU values that restrict the TLS cert to one protocol (e.g. "usage:windows_desktop"). */
  usage?: string[];
  /** ID of the MFA device a per-session MFA ceremony was answered with (1.3.9999.1.8, "mfa-verified"). */
  mfaVerified?: string;
  /** Access request IDs whose privileges the certificate carries (TLS 1.3.9999.2.8, SSH teleport-active-requests). */
  activeRequests?: string[];
  /** Resource IDs a resource access request allows, as types.ResourceIDsToString (TLS 1.3.9999.2.10, SSH teleport-allowed-resources). */
  allowedResourceIds?: string;
  /** The login session's end, kept while requests shorten the certificate (TLS 1.3.9999.2.12). */
  previousIdentityExpires?: Date;
  now?: Date;
}

export interface UserCerts {
  /** authorized_keys-form cert line, or undefined when no SSH key was sent. */
  ssh?: string;
  /** PEM */
  tls?: string;
  expires: Date;
}

export async function issueUserCerts(a: Authority, req: UserCertRequest): Promise<UserCerts> {
  const now = req.now ?? new Date();
  const ttl = Math.min(req.ttlMs, req.access.maxSessionTtlMs);
  const expires = new Date(Math.floor((now.getTime() + ttl) / 1000) * 1000);
  const routeToCluster = req.routeToCluster || a.clusterName;
  const logins = req.access.logins.length ? [...req.access.logins] : [`${NO_LOGIN_PREFIX}${randomUUID()}`];
  const out: UserCerts = { expires };

  if (req.sshPublicKey) {
    const ext: Record<string, string> = { 'permit-pty': '' };
    if (req.access.x11Forwarding) ext['permit-X11-forwarding'] = '';
    if (req.access.forwardAgent) ext['permit-agent-forwarding'] = '';
    if (req.access.portForwarding) ext['permit-port-forwarding'] = '';
    ext['private-key-policy'] = 'none';
    if (req.loginIp) ext['login-ip'] = req.loginIp;
    if (req.mfaVerified) ext['mfa-verified'] = req.mfaVerified;
    if (req.compatibility !== 'oldssh') {
      ext['teleport-roles'] = JSON.stringify({ roles: req.access.roles });
      ext['teleport-traits'] = goTraitsJson(req.access.traits);
      ext['teleport-route-to-cluster'] = routeToCluster;
      if (req.activeRequests?.length) {
        ext['teleport-active-requests'] = JSON.stringify({ access_requests: req.activeRequests });
      }
      if (req.allowedResourceIds) ext['teleport-allowed-resources'] = req.allowedResourceIds;
    }
    const blob = signSshCertificate({
      publicKey: req.sshPublicKey,
      caKey: a.userSSH,
      certType: 1,
      serial: 0n,
      keyId: req.username,
      principals: [...logins, SESSION_JOIN_PRINCIPAL],
      validAfter: new Date(now.getTime() - 60_000),
      validBefore: expires,
      extensions: ext,
      nonce: randomBytes(32),
    });
    out.ssh = marshalCertificateLine(blob);
  }

  if (req.tlsPublicKey) {
    out.tls = await issueTlsCert({
      caCertPem: a.userTLS.certPem,
      caKey: a.userTLS.key,
      publicKey: req.tlsPublicKey,
      notAfter: expires,
      identity: {
        username: req.username,
        groups: req.access.roles,
        usage: req.usage,
        principals: logins,
        routeToCluster,
        traits: req.access.traits,
        kubernetesUsers: req.access.kubernetesUsers,
        kubernetesGroups: req.access.kubernetesGroups,
        kubernetesCluster: req.kubernetesCluster || undefined,
        routeToDatabase: req.routeToDatabase,
        routeToApp: req.routeToApp,
        teleportCluster: a.clusterName,
        mfaVerified: req.mfaVerified,
        loginIp: req.loginIp,
        privateKeyPolicy: 'none',
        userType: 'local',
        databaseNames: req.access.dbNames,
        databaseUsers: req.access.dbUsers,
        activeRequests: req.activeRequests ?? [],
        allowedResourceIds: req.allowedResourceIds || undefined,
        previousIdentityExpires: req.previousIdentityExpires,
      },
    });
  }
  return out;
}
