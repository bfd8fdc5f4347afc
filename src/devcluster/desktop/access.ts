// Who may open which desktop session, as the service decides it from the client certificate:
// authentication (the TLS handshake verified the certificate against the user CA; here: no usage
// restriction, or the windows_desktop one), authorization (the roles the certificate names
// exist), per-session MFA (require_session_mfa, cluster-wide or in a granting role, needs a
// certificate issued after an MFA ceremony), and the per-session check of the desktop's labels
// and the Windows login against windows_desktop_labels / windows_desktop_logins (upstream
// RoleSet.CheckAccess with a WindowsLoginMatcher: deny rules first, then one role must match
// both the labels and the login).
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { decodeTlsIdentity, type TlsIdentity } from '../../auth/x509/identity.js';
import type { DevClusterConfig, RoleConfig, UserConfig } from '../config.js';
import { isMfaRequired } from '../mfachallenge.js';
import { interpolate, labelsMatch, roleDeny } from '../rbac.js';
import type { Catalog } from '../resources.js';
import { MSG_AUTHENTICATION_FAILED, MSG_AUTHORIZATION_FAILED, USAGE_WINDOWS_DESKTOP } from './texts.js';

export interface DesktopUser {
  identity: TlsIdentity;
  user: UserConfig;
  /** The roles the certificate carries, as configured. */
  roles: RoleConfig[];
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** The TLS identity of an authenticated client, or the upstream refusal text. */
export function authenticate(socket: TLSSocket): Checked<TlsIdentity> {
  // The handshake already refused a missing, untrusted or expired certificate.
  const cert = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  if (!socket.authorized || !cert?.raw) return { ok: false, message: MSG_AUTHENTICATION_FAILED };
  let identity: TlsIdentity;
  try {
    identity = decodeTlsIdentity(cert.raw);
  } catch {
    return { ok: false, message: MSG_AUTHENTICATION_FAILED };
  }
  // authz.Middleware: a restricted certificate must carry exactly the accepted usage.
  const usage = identity.usage;
  if (usage.length && !(usage.length === 1 && usage[0] === USAGE_WINDOWS_DESKTOP)) {
    return { ok: false, message: MSG_AUTHENTICATION_FAILED };
  }
  return { ok: true, value: identity };
}

/** The user and roles of an identity, or "Connection authorization failed." */
export function authorize(cfg: DevClusterConfig, identity: TlsIdentity): Checked<DesktopUser> {
  const user = cfg.users.find((u) => u.name === identity.username);
  const roles = identity.groups.map((g) => cfg.roles.find((r) => r.name === g));
  if (!user || roles.some((r) => !r)) return { ok: false, message: MSG_AUTHORIZATION_FAILED };
  return { ok: true, value: { identity, user, roles: roles as RoleConfig[] } };
}

type Selector = Record<string, string | string[]> | undefined;

/** Whether the roles let `login` onto a desktop with these labels (traits from the certificate). */
export function desktopAccessAllowed(
  roles: RoleConfig[],
  traits: Record<string, string[]>,
  labels: Record<string, string>,
  login: string,
): boolean {
  const logins = (xs: string[] | undefined) => (xs ?? []).flatMap((x) => interpolate(x, traits));
  for (const r of roles) {
    const deny = roleDeny(r);
    if (labelsMatch(deny.windows_desktop_labels as Selector, labels)) return false;
    if (logins(deny.windows_desktop_logins).includes(login)) return false;
  }
  return roles.some(
    (r) =>
      labelsMatch(r.windows_desktop_labels as Selector, labels) &&
      logins(r.windows_desktop_logins).includes(login),
  );
}

/**
 * Whether the session needs per-session MFA the certificate lacks (no MFA-verified extension):
 * the cluster's require_session_mfa, or a role granting this login on this desktop that sets it
 * (IsMFARequired's answer; upstream's checkAccess returns ErrSessionMFARequired for both).
 */
export function sessionMfaMissing(
  cfg: DevClusterConfig,
  catalog: Catalog,
  who: DesktopUser,
  desktopName: string,
  login: string,
): boolean {
  if (who.identity.mfaVerified) return false;
  if (!login) return cfg.require_session_mfa; // IsMFARequired refuses an empty login
  const target = { $case: 'WindowsDesktop' as const, value: { WindowsDesktop: desktopName, Login: login } };
  return isMfaRequired(cfg, catalog, who.user, { Target: target }).Required;
}
