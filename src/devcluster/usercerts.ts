// AuthService.GenerateUserCerts as the dev cluster serves it (lib/auth grpcserver GenerateUserCerts
// and auth_with_roles generateUserCerts, docs/desktop-certs.md): certificates for the caller only,
// routed and usage-restricted, bounded by the caller's own certificate and its roles' max TTL; with
// an MFA answer, single-use certificates that record the device and expire after a minute.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { parseAuthorizedKey, parseSshPublicKeyBlob, marshalAuthorizedKey } from '../auth/ssh/keys.js';
import type { TlsIdentity } from '../auth/x509/identity.js';
import type { Certs } from '../gen/teleport/legacy/client/proto/certs.js';
import {
  UserCertsRequest_CertPurpose,
  UserCertsRequest_CertUsage,
  type UserCertsRequest,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import type { Authority } from './authority.js';
import { issueUserCerts, type UserCertRequest } from './certs.js';
import type { DevClusterConfig, UserConfig } from './config.js';
import { GrpcError } from './grpcerror.js';
import { validateSessionMfaAsync } from './mfachallenge.js';
import { accessInfo, roleAllows, type AccessInfo } from './rbac.js';
import { allowedResourceMatches } from './access/resources.js';
import type { AccessRequestStore } from './access/store.js';
import { requestPrivileges } from './access/certs.js';
import { appDef, type AppDef } from './apps/config.js';
import { appSessionStore, type AppSession } from './apps/sessions.js';
import { emitAppSessionStart } from './apps/audit.js';

/** teleport.UserSingleUseCertTTL: certificates issued after a per-session MFA ceremony. */
export const SINGLE_USE_CERT_TTL_MS = 60_000;

/** Subject OU per usage (root constants.go Usage*Only). */
const USAGE_OU: Partial<Record<UserCertsRequest_CertUsage, string>> = {
  [UserCertsRequest_CertUsage.Kubernetes]: 'usage:kube',
  [UserCertsRequest_CertUsage.Database]: 'usage:db',
  [UserCertsRequest_CertUsage.App]: 'usage:apps',
  [UserCertsRequest_CertUsage.WindowsDesktop]: 'usage:windows_desktop',
};

export interface Caller {
  user: UserConfig;
  /** The identity of the certificate the call was made with. */
  identity: TlsIdentity;
  /** The client's IP, recorded in single-use certificates. */
  ip: string;
}

function badParameter(msg: string): GrpcError {
  return new GrpcError(status.INVALID_ARGUMENT, msg);
}

/** The subject keys: v17+ split keys, or the legacy PublicKey used for both. */
function subjectKeys(req: UserCertsRequest): { ssh?: KeyObject; tls?: KeyObject } {
  const sshKey = (text: string) => {
    try {
      return parseSshPublicKeyBlob(parseAuthorizedKey(text).blob).key;
    } catch (err) {
      throw badParameter(`failed to parse SSH public key: ${(err as Error).message}`);
    }
  };
  if (req.SSHPublicKey.length || req.TLSPublicKey.length) {
    let tls: KeyObject | undefined;
    try {
      if (req.TLSPublicKey.length) tls = createPublicKey(req.TLSPublicKey.toString('utf8'));
    } catch (err) {
      throw badParameter(`failed to parse TLS public key: ${(err as Error).message}`);
    }
    return { ssh: req.SSHPublicKey.length ? sshKey(req.SSHPublicKey.toString('utf8')) : undefined, tls };
  }
  if (req.PublicKey.length) {
    const k = sshKey(req.PublicKey.toString('utf8'));
    return { ssh: k, tls: k };
  }
  throw badParameter('missing public key');
}

/** Which request fields a single-use certificate's usage needs (validateUserSingleUseCertRequest). */
function checkSingleUseRequest(req: UserCertsRequest): void {
  const U = UserCertsRequest_CertUsage;
  switch (req.Usage) {
    case U.SSH:
      if (!req.NodeName) throw badParameter('missing NodeName field in a ssh-only UserCertsRequest');
      return;
    case U.Kubernetes:
      if (!req.KubernetesCluster)
        throw badParameter('missing KubernetesCluster field in a kubernetes-only UserCertsRequest');
      return;
    case U.Database:
      if (!req.RouteToDatabase?.ServiceName)
        throw badParameter('missing ServiceName field in a database-only UserCertsRequest');
      return;
    case U.WindowsDesktop:
      if (!req.RouteToWindowsDesktop?.WindowsDesktop)
        throw badParameter('missing WindowsDesktop field in a windows-desktop-only UserCertsRequest');
      return;
    case U.App:
      return;
    case U.All:
      throw badParameter(
        'must specify a concrete Usage in UserCertsRequest, one of SSH, Kubernetes or Database',
      );
    default:
      throw badParameter(`unknown certificate Usage "${String(req.Usage)}"`);
  }
}

/**
 * Issues the certificates. Desktop access (the login and the desktop's labels) is not checked here:
 * as upstream, the Windows Desktop Service checks it against the certificate's roles when the
 * session starts, and IsMFARequired answers "no" for what the roles do not grant.
 */
export async function generateUserCerts(
  cfg: DevClusterConfig,
  authority: Authority,
  caller: Caller,
  req: UserCertsRequest,
  requests?: AccessRequestStore,
): Promise<Certs> {
  // currentUserAction: a user may only ask for its own certificates.
  if (req.Username !== caller.user.name) {
    throw new GrpcError(status.PERMISSION_DENIED, 'access denied to perform action "create" on "user"');
  }
  const route = req.RouteToCluster || cfg.cluster_name;
  if (route !== cfg.cluster_name) throw new GrpcError(status.NOT_FOUND, `cluster "${route}" is not found`);

  const singleUse =
    req.Purpose === UserCertsRequest_CertPurpose.CERT_PURPOSE_SINGLE_USE_CERTS || !!req.MFAResponse;
  let mfaVerified: string | undefined;
  if (singleUse) {
    checkSingleUseRequest(req);
    mfaVerified = await validateSessionMfaAsync(cfg, caller.user, req.MFAResponse);
  } else if (
    req.Usage === UserCertsRequest_CertUsage.WindowsDesktop &&
    !req.RouteToWindowsDesktop?.WindowsDesktop
  ) {
    throw badParameter('missing WindowsDesktop field in a windows-desktop-only UserCertsRequest');
  }

  const keys = subjectKeys(req);
  const usage = USAGE_OU[req.Usage];
  // A usage-restricted request gets the certificate of its protocol only.
  const sshKey = usage ? undefined : keys.ssh;
  const tlsKey = req.Usage === UserCertsRequest_CertUsage.SSH ? undefined : keys.tls;
  if (!sshKey && !tlsKey) throw badParameter('no public key for the requested certificate usage');

  // Expiry: what was asked, never past the caller's own certificate, capped by role max TTL
  // (issueUserCerts) and, for single-use certificates, by a minute.
  const now = Date.now();
  let expires = req.Expires ? req.Expires.getTime() : caller.identity.expires.getTime();
  expires = Math.min(expires, caller.identity.expires.getTime());
  if (mfaVerified) expires = Math.min(expires, now + SINGLE_USE_CERT_TTL_MS);
  // Access requests: approved ones add roles (and bound the expiry), dropped ones go (docs/devcluster-access-requests.md).
  const privileges = requestPrivileges(cfg, caller, req, requests, now);
  if (privileges.sessionExpires) {
    expires = Math.min(
      req.Expires ? req.Expires.getTime() : privileges.sessionExpires,
      privileges.sessionExpires,
    );
  }
  if (privileges.accessExpires) expires = Math.min(expires, privileges.accessExpires);
  if (expires <= now) throw badParameter('requested certificate expiry is in the past');

  const access = accessInfo(cfg, { ...caller.user, roles: privileges.roles });
  // Usage App: the app must exist and the roles allow it; the auth server opens the app session
  // whose id the certificate carries (v16+: CreateAppSessionFromReq inside GenerateUserCerts).
  const appSession =
    req.Usage === UserCertsRequest_CertUsage.App || req.RouteToApp?.Name
      ? openAppSession(cfg, authority, caller, req, access, privileges.allowedResourceIds, expires)
      : undefined;
  const certReq: UserCertRequest = {
    username: caller.user.name,
    access,
    activeRequests: privileges.activeRequests,
    allowedResourceIds: privileges.allowedResourceIds,
    previousIdentityExpires: privileges.previousIdentityExpires,
    sshPublicKey: sshKey,
    tlsPublicKey: tlsKey,
    ttlMs: expires - now,
    compatibility: req.Format,
    routeToCluster: route,
    kubernetesCluster: req.KubernetesCluster,
    routeToDatabase: req.RouteToDatabase?.ServiceName
      ? {
          serviceName: req.RouteToDatabase.ServiceName,
          protocol: req.RouteToDatabase.Protocol,
          username: req.RouteToDatabase.Username,
          database: req.RouteToDatabase.Database,
          roles: [...req.RouteToDatabase.Roles],
        }
      : undefined,
    usage: usage ? [usage] : undefined,
    mfaVerified,
    loginIp: mfaVerified ? caller.ip : caller.identity.loginIp,
    now: new Date(now),
    routeToApp: appSession && {
      sessionId: appSession.session.id,
      publicAddr: appSession.session.publicAddr,
      clusterName: appSession.session.clusterName,
      name: appSession.session.appName,
      awsRoleArn: '',
      azureIdentity: '',
      gcpServiceAccount: '',
    },
  };
  let certs;
  try {
    certs = await issueUserCerts(authority, certReq);
  } catch (err) {
    if (appSession) appSessionStore(authority).delete(appSession.session.id);
    throw err;
  }
  if (appSession) {
    // The session ends with the certificate (issueUserCerts caps the TTL by the roles' max).
    appSession.session.expires = certs.expires;
    emitAppSessionStart(authority, appSession.session, appSession.app, mfaVerified);
  }
  return {
    SSH: Buffer.from(certs.ssh ?? ''),
    TLS: Buffer.from(certs.tls ?? ''),
    TLSCACerts: [Buffer.from(authority.hostTLS.certPem)],
    SSHCACerts: [Buffer.from(marshalAuthorizedKey(authority.hostSSH))],
  };
}

/**
 * Checks an app certificate request (the app exists, the roles allow it) and creates its session.
 * The target port of a multi-port app is kept in the session: its certificate OID is not known.
 */
function openAppSession(
  cfg: DevClusterConfig,
  authority: Authority,
  caller: Caller,
  req: UserCertsRequest,
  access: AccessInfo,
  allowedResourceIds: string | undefined,
  expires: number,
): { session: AppSession; app: AppDef } {
  const { roles, traits } = access;
  const route = req.RouteToApp;
  const cluster = route?.ClusterName || cfg.cluster_name;
  const name = route?.Name ?? '';
  if (!name) throw badParameter('missing Name field in an app-only UserCertsRequest');
  if (cluster !== cfg.cluster_name)
    throw new GrpcError(status.NOT_FOUND, `cluster "${cluster}" is not found`);
  const entry = cfg.apps.find((a) => a.name === name);
  if (!entry) throw new GrpcError(status.NOT_FOUND, `app "${name}" not found`);
  const app = appDef(entry);
  const roleConfigs = cfg.roles.filter((r) => roles.includes(r.name));
  // services.RoleSet CheckAccessToApp: deny rules first, then an allow rule whose app_labels match.
  // A resource access request's certificate reaches only the resources it names.
  if (
    !roleAllows(roleConfigs, 'app_server', app.labels) ||
    (allowedResourceIds && !allowedResourceMatches(allowedResourceIds, cluster, 'app', app.name))
  ) {
    throw new GrpcError(status.PERMISSION_DENIED, 'access to app denied');
  }
  const targetPort = route?.TargetPort ?? 0;
  if (targetPort) checkTargetPort(app, targetPort);
  const session = appSessionStore(authority).create({
    user: caller.user.name,
    roles,
    traits,
    appName: app.name,
    clusterName: cluster,
    publicAddr: route?.PublicAddr || app.publicAddr,
    uri: app.uri,
    targetPort: targetPort || undefined,
    expires: new Date(expires),
    loginIp: caller.identity.loginIp || caller.ip || undefined,
    origin: 'cert',
  });
  return { session, app };
}

/** tsh validateTargetPort's checks, made again by the auth server. */
function checkTargetPort(app: AppDef, port: number): void {
  if (!app.tcpPorts.length) {
    // A single-port app: only its own port (tcpserver.go compares it with the URI's).
    const uriPort = Number(/:(\d+)\/?$/.exec(app.uri)?.[1] ?? 0);
    if (port !== uriPort) {
      throw badParameter(
        `cannot specify target port ${port} because app "${app.name}" does not provide access to multiple ports`,
      );
    }
    return;
  }
  const ok = app.tcpPorts.some((r) => (r.endPort ? port >= r.port && port <= r.endPort : port === r.port));
  if (!ok) {
    const ranges = app.tcpPorts
      .map((r) => (r.endPort ? `${r.port}-${r.endPort}` : String(r.port)))
      .join(', ');
    throw badParameter(
      `port ${port} is not included in target ports of app "${app.name}"; valid ports: ${ranges}`,
    );
  }
}
