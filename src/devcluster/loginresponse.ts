// What every web login of the dev cluster ends with (password + MFA, SSO, headless): user
// certificates for the client's keys, with the user's roles and traits, as the SSHLoginResponse
// JSON tsh reads (lib/client/weblogin.go: username, cert, tls_cert, host_signers).
import type { KeyObject } from 'node:crypto';
import { hostSigners, type Authority } from './authority.js';
import { issueUserCerts } from './certs.js';
import type { DevClusterConfig, UserConfig } from './config.js';
import { accessInfo } from './rbac.js';

/** apidefaults.CertDuration: a login that asks for no TTL. */
export const DEFAULT_CERT_TTL_MS = 12 * 3600_000;

export interface LoginCertRequest {
  sshKey?: KeyObject;
  tlsKey?: KeyObject;
  /** What the client asked for, in nanoseconds (0: the default); ignored with `ttlMs`. */
  ttlNs?: number;
  /** A fixed lifetime (headless logins). */
  ttlMs?: number;
  compatibility: string;
  routeToCluster: string;
  kubernetesCluster: string;
  loginIp: string;
  mfaVerified?: string;
}

export async function loginResponse(
  ctx: { authority: Authority; cfg: DevClusterConfig },
  user: UserConfig,
  r: LoginCertRequest,
): Promise<{ response: Record<string, unknown>; expires: Date }> {
  const certs = await issueUserCerts(ctx.authority, {
    username: user.name,
    access: accessInfo(ctx.cfg, user),
    sshPublicKey: r.sshKey,
    tlsPublicKey: r.tlsKey,
    ttlMs: r.ttlMs ?? (r.ttlNs && r.ttlNs > 0 ? r.ttlNs / 1e6 : DEFAULT_CERT_TTL_MS),
    compatibility: r.compatibility,
    routeToCluster: r.routeToCluster,
    kubernetesCluster: r.kubernetesCluster,
    loginIp: r.loginIp,
    mfaVerified: r.mfaVerified,
  });
  return {
    expires: certs.expires,
    response: {
      username: user.name,
      cert: certs.ssh ? Buffer.from(certs.ssh).toString('base64') : null,
      tls_cert: certs.tls ? Buffer.from(certs.tls).toString('base64') : null,
      host_signers: [hostSigners(ctx.authority)],
    },
  };
}
