// Per-session MFA on the dev cluster's Auth service (docs/desktop-certs.md): whether a target needs
// it (IsMFARequired, lib/auth isMFARequired), the challenge for the caller's devices
// (CreateAuthenticateChallenge) and the check of the answer: a WebAuthn assertion for the user's
// registered credentials (docs/webauthn.md), or a TOTP code (config totp_secret) from a cluster that
// reports a version before 18.
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { verifyTotp } from '../auth/totp.js';
import {
  MFARequired,
  type CreateAuthenticateChallengeRequest,
  type IsMFARequiredRequest,
  type IsMFARequiredResponse,
  type MFAAuthenticateChallenge,
  type MFAAuthenticateResponse,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import { ChallengeScope } from '../gen/teleport/mfa/v1/mfa.js';
import type { DevClusterConfig, UserConfig } from './config.js';
import { GrpcError } from './grpcerror.js';
import { interpolate, roleAllows, roleDeny, userRoles } from './rbac.js';
import type { Catalog } from './resources.js';
import { hasWebauthnDevice, relyingParty, totpEnabled } from './webauthn/cluster.js';
import { WebauthnError, type Assertion } from './webauthn/rp.js';
import type {
  CredentialAssertion,
  CredentialAssertionResponse,
} from '../gen/teleport/legacy/types/webauthn/webauthn.js';

/** lib/auth/authclient ErrNoMFADevices. */
export const MSG_NO_MFA_DEVICES =
  "MFA is required to access this resource but user has no MFA devices; use 'tsh mfa add' to register MFA devices";
/** Teleport 18 refuses TOTP answers for single-use certificates (PR #52602; wording from its review). */
export const MSG_OTP_NOT_FOR_SESSION_MFA =
  'per-session MFA is not satisfied by OTP devices, please update your configuration to use WebAuthn';

/** A stable device ID for a user's TOTP device (upstream: the MFADevice UUID). */
export function totpDeviceId(user: UserConfig): string {
  const h = createHash('sha256').update(`totp-device:${user.name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Whether the caller can answer a TOTP challenge on this cluster (AuthPreference allows TOTP, device registered). */
function hasTotpDevice(cfg: DevClusterConfig, user: UserConfig): boolean {
  return totpEnabled(cfg) && !!user.totp_secret;
}

/**
 * IsMFARequired for one target. The cluster-wide setting answers yes first; otherwise a role that
 * grants the access and has require_session_mfa makes it required. No access (or an unknown
 * resource) answers no, as upstream masks access errors so the RPC is no resource-name oracle.
 */
export function isMfaRequired(
  cfg: DevClusterConfig,
  catalog: Catalog,
  user: UserConfig,
  req: IsMFARequiredRequest,
): IsMFARequiredResponse {
  const yes = { Required: true, MFARequired: MFARequired.MFA_REQUIRED_YES };
  const no = { Required: false, MFARequired: MFARequired.MFA_REQUIRED_NO };
  const t = req.Target;
  if (!t) throw new GrpcError(status.INVALID_ARGUMENT, 'unknown Target <nil>');
  if (cfg.require_session_mfa) return yes;
  switch (t.$case) {
    case 'WindowsDesktop': {
      const { WindowsDesktop: name, Login: login } = t.value;
      if (!name) throw new GrpcError(status.INVALID_ARGUMENT, 'empty WindowsDesktop field');
      if (!login) throw new GrpcError(status.INVALID_ARGUMENT, 'empty Login field');
      const entry = (catalog.get('windows_desktop') ?? []).find((e) => e.name === name);
      if (!entry) return no;
      return desktopGrants(cfg, user, entry.labels, login).some((r) => r.require_session_mfa) ? yes : no;
    }
    case 'Node': {
      const { Node: host, Login: login } = t.value;
      if (!host) throw new GrpcError(status.INVALID_ARGUMENT, 'empty Node field');
      if (!login) throw new GrpcError(status.INVALID_ARGUMENT, 'empty Login field');
      const entry = (catalog.get('node') ?? []).find((e) => e.name === host || e.metadataName === host);
      if (!entry) return no;
      return nodeGrants(cfg, user, entry.labels, login).some((r) => r.require_session_mfa) ? yes : no;
    }
    default:
      // Other targets: only the cluster-wide setting is modelled.
      return no;
  }
}

/** The user's roles that grant `login` on a desktop with these labels (none when a deny rule matches). */
export function desktopGrants(
  cfg: DevClusterConfig,
  user: UserConfig,
  labels: Record<string, string>,
  login: string,
) {
  const roles = userRoles(cfg, user);
  const traits = user.traits ?? {};
  const expand = (xs: string[] | undefined) => (xs ?? []).flatMap((x) => interpolate(x, traits));
  if (!roleAllows(roles, 'windows_desktop', labels)) return [];
  if (roles.some((r) => expand(roleDeny(r).windows_desktop_logins).includes(login))) return [];
  return roles.filter(
    (r) => roleAllows([r], 'windows_desktop', labels) && expand(r.windows_desktop_logins).includes(login),
  );
}

/** The user's roles that grant `login` on a node with these labels (none when a deny rule matches). */
export function nodeGrants(
  cfg: DevClusterConfig,
  user: UserConfig,
  labels: Record<string, string>,
  login: string,
) {
  const roles = userRoles(cfg, user);
  const traits = user.traits ?? {};
  const expand = (xs: string[] | undefined) => (xs ?? []).flatMap((x) => interpolate(x, traits));
  if (!roleAllows(roles, 'node', labels)) return [];
  if (roles.some((r) => expand(roleDeny(r).logins).includes(login))) return [];
  return roles.filter((r) => roleAllows([r], 'node', labels) && expand(r.logins).includes(login));
}

/** The gRPC form of an assertion (webauthn.CredentialAssertion, raw bytes). */
export function assertionProto(a: Assertion): CredentialAssertion {
  return {
    publicKey: {
      challenge: a.challenge,
      timeoutMs: BigInt(a.timeoutMs),
      rpId: a.rpId,
      allowCredentials: a.allowCredentials.map((id) => ({ type: 'public-key', id })),
      extensions: undefined,
      userVerification: a.userVerification,
    },
  };
}

/**
 * CreateAuthenticateChallenge for the calling user. With MFARequiredCheck and no MFA needed, the
 * answer says MFA_REQUIRED_NO and carries no challenge. A user without a device gets an empty
 * challenge (the client then reports ErrNoMFADevices, as upstream).
 */
export function createAuthenticateChallenge(
  cfg: DevClusterConfig,
  catalog: Catalog,
  user: UserConfig,
  req: CreateAuthenticateChallengeRequest,
): MFAAuthenticateChallenge {
  if (req.Request && req.Request.$case !== 'ContextUser') {
    throw new GrpcError(
      status.UNIMPLEMENTED,
      `${req.Request.$case} challenges are not served by tshjs-devcluster`,
    );
  }
  const scope = req.ChallengeExtensions?.scope ?? ChallengeScope.CHALLENGE_SCOPE_UNSPECIFIED;
  if (scope === ChallengeScope.CHALLENGE_SCOPE_UNSPECIFIED) {
    throw new GrpcError(status.INVALID_ARGUMENT, 'extensions scope must be specified');
  }
  let required = MFARequired.MFA_REQUIRED_UNSPECIFIED;
  if (req.MFARequiredCheck) {
    required = isMfaRequired(cfg, catalog, user, req.MFARequiredCheck).MFARequired;
    if (required === MFARequired.MFA_REQUIRED_NO) return { MFARequired: required };
  }
  return {
    TOTP: hasTotpDevice(cfg, user) ? {} : undefined,
    WebauthnChallenge: hasWebauthnDevice(cfg, user)
      ? assertionProto(relyingParty(cfg).begin(user, 'session'))
      : undefined,
    MFARequired: required,
  };
}

/** Codes already spent per user (upstream refuses a TOTP code used before). */
const usedCodes = new Map<string, { code: string; at: number }[]>();
const CODE_REUSE_WINDOW_MS = 90_000;

/**
 * Checks an MFA answer for a single-use certificate and returns the device ID to record in it.
 * TOTP is accepted from a cluster that reports a version before 18 (v17 still allowed it for
 * per-session MFA); a v18 cluster refuses it, as upstream does since PR #52602.
 */
export async function validateSessionMfaAsync(
  cfg: DevClusterConfig,
  user: UserConfig,
  resp: MFAAuthenticateResponse | undefined,
): Promise<string> {
  const r = resp?.Response;
  if (r?.$case === 'Webauthn') return validateWebauthn(cfg, user, r.value);
  return validateSessionMfa(cfg, user, resp);
}

/** The TOTP half of validateSessionMfaAsync (kept for callers that cannot await). */
export function validateSessionMfa(
  cfg: DevClusterConfig,
  user: UserConfig,
  resp: MFAAuthenticateResponse | undefined,
): string {
  const r = resp?.Response;
  if (!r) throw new GrpcError(status.INVALID_ARGUMENT, 'unknown or missing MFAAuthenticateResponse type');
  if (r.$case !== 'TOTP') {
    throw new GrpcError(status.INVALID_ARGUMENT, 'WebAuthn answers are checked by validateSessionMfaAsync');
  }
  if (majorVersion(cfg.server_version) >= 18) {
    throw new GrpcError(status.INVALID_ARGUMENT, MSG_OTP_NOT_FOR_SESSION_MFA);
  }
  const code = r.value.Code.trim();
  const now = Date.now();
  const spent = (usedCodes.get(user.name) ?? []).filter((u) => now - u.at < CODE_REUSE_WINDOW_MS);
  usedCodes.set(user.name, spent);
  if (!hasTotpDevice(cfg, user) || !verifyTotp(user.totp_secret!, code)) {
    throw new GrpcError(status.PERMISSION_DENIED, 'invalid totp token');
  }
  if (spent.some((u) => u.code === code)) {
    throw new GrpcError(status.PERMISSION_DENIED, 'previously used totp token');
  }
  spent.push({ code, at: now });
  return totpDeviceId(user);
}

function majorVersion(v: string): number {
  const m = /^v?(\d+)\./.exec(v);
  return m ? Number(m[1]) : 0;
}

const WEBAUTHN_STATUS = {
  'bad-parameter': status.INVALID_ARGUMENT,
  'access-denied': status.PERMISSION_DENIED,
  'not-found': status.NOT_FOUND,
} as const;

/** A WebAuthn answer to a per-session challenge; upstream's errors pass through (not hidden). */
async function validateWebauthn(
  cfg: DevClusterConfig,
  user: UserConfig,
  r: CredentialAssertionResponse,
): Promise<string> {
  if (!hasWebauthnDevice(cfg, user)) {
    throw new GrpcError(status.INVALID_ARGUMENT, `found no credentials for user "${user.name}"`);
  }
  try {
    const out = await relyingParty(cfg).finish(cfg.users, user.name, 'session', {
      type: r.type,
      rawId: Buffer.from(r.rawId),
      clientDataJSON: Buffer.from(r.response?.clientDataJson ?? []),
      authenticatorData: Buffer.from(r.response?.authenticatorData ?? []),
      signature: Buffer.from(r.response?.signature ?? []),
      userHandle: r.response?.userHandle?.length ? Buffer.from(r.response.userHandle) : undefined,
    });
    return out.deviceId;
  } catch (err) {
    if (err instanceof WebauthnError) throw new GrpcError(WEBAUTHN_STATUS[err.kind], err.message);
    throw err;
  }
}

/**
 * The node side of per-session MFA (lib/srv authorizer): when the cluster or a role granting this
 * login on the node requires session MFA, only a certificate issued after the ceremony (it carries
 * the mfa-verified extension) is accepted.
 */
export function checkNodeSessionMfa(
  cfg: DevClusterConfig,
  cert: { keyId: string; extensions: Record<string, string> },
  labels: Record<string, string>,
  login: string,
): void {
  if (cert.extensions['mfa-verified']) return;
  const user = cfg.users.find((u) => u.name === cert.keyId);
  if (!user) return;
  if (cfg.require_session_mfa || nodeGrants(cfg, user, labels, login).some((r) => r.require_session_mfa)) {
    throw new Error('access denied: per-session MFA is required for this node');
  }
}
