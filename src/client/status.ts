// Profile status: what `tsh status` shows, derived from the profile and the key files
// (lib/client ProfileStatus + tool/tsh/common printStatus/serializeProfiles).
import { TshError } from '../util/errors.js';
import { readFileIfExists } from '../util/fsutil.js';
import { parseSshCertificateLine, teleportCertFields, type SshCertificate } from '../auth/ssh/cert.js';
import { decodeTlsIdentity, type TlsIdentity } from '../auth/x509/identity.js';
import { KeyPaths } from '../auth/keypaths.js';
import { profileCluster, profileName, type Profile } from '../auth/profile.js';

/** Extensions tsh status leaves out of "Extensions:". */
const HIDDEN_EXTENSIONS = new Set([
  'teleport-roles',
  'teleport-traits',
  'teleport-route-to-cluster',
  'teleport-active-requests',
  'teleport-allowed-resources',
]);

export interface ProfileStatus {
  name: string;
  proxyURL: string;
  /** host:port of the web proxy. */
  proxyHost: string;
  username: string;
  cluster: string;
  roles: string[];
  logins: string[];
  traits: Record<string, string[]>;
  activeRequests: string[];
  kubeEnabled: boolean;
  kubeCluster?: string;
  kubeUsers: string[];
  kubeGroups: string[];
  databases: string[];
  allowedResources: string[];
  validUntil: Date;
  extensions: string[];
  criticalOptions: Record<string, string>;
  isActive: boolean;
  /** Which env vars overrode the proxy / cluster shown. */
  proxyFromEnv?: string;
  clusterFromEnv?: string;
}

export function isExpired(s: ProfileStatus, now = new Date()): boolean {
  return s.validUntil.getTime() <= now.getTime();
}

/** Builds a status from an SSH cert and/or TLS cert, as the key store or an identity file holds them. */
export function statusFromCerts(opts: {
  name: string;
  webProxyAddr: string;
  username?: string;
  cluster?: string;
  kubeEnabled: boolean;
  sshCert?: string;
  tlsCert?: string;
  isActive: boolean;
}): ProfileStatus {
  let ssh: SshCertificate | undefined;
  let tls: TlsIdentity | undefined;
  if (opts.sshCert?.trim()) {
    try {
      ssh = parseSshCertificateLine(opts.sshCert.trim());
    } catch (err) {
      throw new TshError(
        `SSH certificate for profile ${opts.name} is corrupt (${(err as Error).message}); run "tshjs login"`,
        'relogin',
      );
    }
  }
  if (opts.tlsCert?.trim()) {
    try {
      tls = decodeTlsIdentity(opts.tlsCert);
    } catch (err) {
      throw new TshError(
        `TLS certificate for profile ${opts.name} is corrupt (${(err as Error).message}); run "tshjs login"`,
        'relogin',
      );
    }
  }
  if (!ssh && !tls)
    throw new TshError(`no certificates for profile ${opts.name}; run "tshjs login"`, 'not-found');
  const fields = ssh ? teleportCertFields(ssh) : undefined;
  const validUntil = tls ? tls.expires : new Date(Number(ssh!.validBefore) * 1000);
  return {
    name: opts.name,
    proxyURL: `https://${opts.webProxyAddr}`,
    proxyHost: opts.webProxyAddr,
    username: opts.username || fields?.username || tls?.username || '',
    cluster: opts.cluster || tls?.routeToCluster || fields?.routeToCluster || opts.name,
    roles: [...(fields?.roles.length ? fields.roles : (tls?.groups ?? []))].sort(),
    logins: (ssh ? ssh.validPrincipals : (tls?.principals ?? [])).filter((l) => !l.startsWith('-teleport-')),
    traits: fields?.traits ?? tls?.traits ?? {},
    activeRequests: fields?.activeRequests.length ? fields.activeRequests : (tls?.activeRequests ?? []),
    kubeEnabled: opts.kubeEnabled,
    kubeCluster: tls?.kubernetesCluster,
    kubeUsers: tls?.kubernetesUsers ?? [],
    kubeGroups: tls?.kubernetesGroups ?? [],
    databases: [],
    allowedResources: [],
    validUntil,
    extensions: ssh
      ? Object.keys(ssh.extensions)
          .filter((e) => !HIDDEN_EXTENSIONS.has(e))
          .sort()
      : [],
    criticalOptions: ssh?.criticalOptions ?? {},
    isActive: opts.isActive,
  };
}

/** Status of a stored profile from its key files. */
export function profileStatus(paths: KeyPaths, p: Profile, isActive: boolean): ProfileStatus {
  const name = profileName(p);
  const user = p.username ?? '';
  const cluster = profileCluster(p);
  const tlsCert = readFileIfExists(paths.userTLSCert(name, user))?.toString('utf8');
  const sshCert = readFileIfExists(paths.sshCert(name, user, cluster))?.toString('utf8');
  if (!tlsCert && readFileIfExists(paths.legacyTLSCert(name, user))) {
    throw new TshError(
      `profile ${name} uses the legacy key layout of tsh v16 or older (${paths.legacyTLSCert(name, user)}); run "tshjs login" again`,
      'relogin',
    );
  }
  if (!tlsCert && !sshCert) {
    throw new TshError(
      `profile ${name} has no certificates for ${user || 'its user'}; run "tshjs login"`,
      'not-found',
    );
  }
  return statusFromCerts({
    name,
    webProxyAddr: p.webProxyAddr,
    username: user,
    cluster,
    kubeEnabled: !!p.kubeProxyAddr,
    sshCert,
    tlsCert,
    isActive,
  });
}

/** Env overrides for the active profile as tsh applies them. */
export function applyEnvOverrides(s: ProfileStatus, env: NodeJS.ProcessEnv): ProfileStatus {
  const out = { ...s };
  if (env.TELEPORT_PROXY) {
    out.proxyURL = `https://${env.TELEPORT_PROXY}`;
    out.proxyFromEnv = 'TELEPORT_PROXY';
  }
  const cl = env.TELEPORT_CLUSTER ? 'TELEPORT_CLUSTER' : env.TELEPORT_SITE ? 'TELEPORT_SITE' : undefined;
  if (cl) {
    out.cluster = env[cl]!;
    out.clusterFromEnv = cl;
  }
  return out;
}
