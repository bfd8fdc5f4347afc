// Profile status: what `tsh status` shows, derived from the profile and the key files
// (lib/client/profile.go profileStatusFromKeyRing + tool/tsh/common/tsh.go makeProfileInfo,
// getTshEnv; the selected Kubernetes cluster as lib/kube/kubeconfig SelectedKubeCluster).
import * as os from 'node:os';
import * as path from 'node:path';
import { TshError } from '../util/errors.js';
import { readFileIfExists } from '../util/fsutil.js';
import { yaml } from '../util/lazy.js';
import { parseSshCertificateLine, teleportCertFields, type SshCertificate } from '../auth/ssh/cert.js';
import { decodeTlsIdentity, type TlsIdentity } from '../auth/x509/identity.js';
import { KeyPaths } from '../auth/keypaths.js';
import { FileKeyStore } from '../auth/keystore.js';
import { profileCluster, profileName, type Profile } from '../auth/profile.js';
import { listDbCertNames } from './dbcerts.js';

/** Extensions tsh status leaves out of "Extensions:" (lib/client/profile.go profileStatusFromKeyRing). */
const HIDDEN_EXTENSIONS = new Set([
  'teleport-roles',
  'teleport-traits',
  'teleport-route-to-cluster',
  'teleport-active-requests',
  'teleport-allowed-resources',
  'github-id@goteleport.com',
  'github-login@goteleport.com',
]);

/** The env vars tsh status reports (tsh.go tshStatusEnvVars), in that order. */
export const STATUS_ENV_VARS = [
  'TELEPORT_PROXY',
  'TELEPORT_CLUSTER',
  'TELEPORT_SITE',
  'TELEPORT_KUBE_CLUSTER',
  'KUBECONFIG',
] as const;

/** tsh.go getTshEnv: every status variable that is set (os.LookupEnv, so empty values count). */
export function tshStatusEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of STATUS_ENV_VARS) if (env[v] !== undefined) out[v] = env[v];
  return out;
}

/** lib/client GitHubIdentity (no JSON tags upstream, so its JSON keys are the Go field names). */
export interface GitHubIdentity {
  userID: string;
  username: string;
}

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
  /** The Kubernetes cluster selected in kubeconfig (or TELEPORT_KUBE_CLUSTER for the active profile). */
  kubeCluster?: string;
  kubeUsers: string[];
  kubeGroups: string[];
  databases: string[];
  /** Resource IDs ("/cluster/kind/name") of the teleport-allowed-resources extension. */
  allowedResources: string[];
  githubIdentity?: GitHubIdentity;
  validUntil: Date;
  extensions: string[];
  criticalOptions: Record<string, string>;
  isActive: boolean;
  /** Which env vars overrode the proxy / cluster shown. */
  proxyFromEnv?: string;
  clusterFromEnv?: string;
  kubeClusterFromEnv?: string;
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
  /** SelectedKubeCluster for this profile's cluster ('' or undefined: none). */
  kubeCluster?: string;
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
  // Upstream reads the expiry from the SSH certificate (time.Unix(int64(ValidBefore), 0)); the
  // TLS certificate only stands in when there is no SSH one (an identity file without it).
  const validUntil = ssh ? sshValidBefore(ssh.validBefore) : tls!.expires;
  const githubID = ssh?.extensions['github-id@goteleport.com'];
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
    kubeCluster: opts.kubeCluster || undefined,
    kubeUsers: tls?.kubernetesUsers ?? [],
    kubeGroups: tls?.kubernetesGroups ?? [],
    databases: [],
    allowedResources: ssh ? allowedResourceIDs(ssh.extensions['teleport-allowed-resources']) : [],
    ...(githubID
      ? {
          githubIdentity: {
            userID: githubID,
            username: ssh!.extensions['github-login@goteleport.com'] ?? '',
          },
        }
      : {}),
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

/** time.Unix(int64(v), 0): "never expires" (2^64-1) wraps to -1, as in Go. */
function sshValidBefore(v: bigint): Date {
  const d = new Date(Number(BigInt.asIntN(64, v)) * 1000);
  return Number.isNaN(d.getTime()) ? new Date(8.64e15) : d;
}

/** types.ResourceIDsFromString's input: a JSON list of "/cluster/kind/name" strings. */
function allowedResourceIDs(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Far above any real kubeconfig; a bigger one selects nothing rather than stalling status. */
const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

/**
 * lib/kube/kubeconfig SelectedKubeCluster("", teleportCluster): the Kubernetes cluster of
 * kubeconfig's current context when that context belongs to the Teleport cluster, else ''.
 * The file is the first entry of $KUBECONFIG, else ~/.kube/config; a missing or unreadable
 * file means none (tsh ignores the error).
 */
export function selectedKubeCluster(env: NodeJS.ProcessEnv, teleportCluster: string): string {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter)[0];
  const file = first || path.join(env.HOME || os.homedir(), '.kube', 'config');
  const text = readFileIfExists(file)?.toString('utf8');
  // Every way a context can belong to the cluster names it in the file; skip parsing otherwise.
  if (!text || !teleportCluster || !text.includes(teleportCluster)) return '';
  // Explicit "? " keys make the yaml library super-linear (a 1 KiB file can take a minute), and
  // kubeconfigs never use them; such a file selects nothing, as an unreadable one does.
  if (text.length > MAX_KUBECONFIG_BYTES || /(^|[\s\-[{,])\?(\s|$)/.test(text)) return '';
  let doc: unknown;
  try {
    // logLevel 'error': the library's warnings (unknown tags, …) would go to stderr.
    doc = yaml().parse(text, { logLevel: 'error' });
  } catch {
    return '';
  }
  if (!isRecord(doc)) return '';
  const current = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  const named = Array.isArray(doc.contexts)
    ? doc.contexts.find((c): c is Record<string, unknown> => isRecord(c) && c.name === current)
    : undefined;
  return kubeClusterFromContext(
    current,
    named ? (isRecord(named.context) ? named.context : {}) : undefined,
    teleportCluster,
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** kubeconfig.go KubeClusterFromContext, on a context as it appears in the kubeconfig file. */
export function kubeClusterFromContext(
  contextName: string,
  context: Record<string, unknown> | undefined,
  teleportCluster: string,
): string {
  const prefix = `${teleportCluster}-`;
  if (!context) return contextName.startsWith(prefix) ? contextName.slice(prefix.length) : '';
  const ext = (name: string): string | undefined => {
    if (!Array.isArray(context.extensions)) return undefined;
    const e = context.extensions.find((x) => isRecord(x) && x.name === name) as
      Record<string, unknown> | undefined;
    return typeof e?.extension === 'string' ? e.extension : undefined;
  };
  const teleExt = ext('kubeconfig.teleport.dev/teleport-cluster-name');
  const kubeExt = ext('teleport.kube.name');
  if (teleExt !== undefined && kubeExt !== undefined && teleExt === teleportCluster) return kubeExt;
  // Older kubeconfigs named the cluster entry after the Teleport cluster.
  if (context.cluster === teleportCluster) {
    if (kubeExt !== undefined) return kubeExt;
    return contextName.startsWith(prefix) ? contextName.slice(prefix.length) : contextName;
  }
  return '';
}

/** keypaths.KubeConfigPath: <home>/keys/<proxy>/<user>-kube/<cluster>/<kube>-kubeconfig. */
export function kubeConfigPath(paths: KeyPaths, s: ProfileStatus, kubeCluster: string): string {
  return path.join(paths.proxyKeyDir(s.name), `${s.username}-kube`, s.cluster, `${kubeCluster}-kubeconfig`);
}

/** Status of a stored profile from its key files. */
export function profileStatus(
  paths: KeyPaths,
  p: Profile,
  isActive: boolean,
  env: NodeJS.ProcessEnv = {},
): ProfileStatus {
  // A login in another process may be between two writes: read again under its lock then.
  return new FileKeyStore(paths.base).readConsistent(() => profileStatusOnce(paths, p, isActive, env));
}

function profileStatusOnce(
  paths: KeyPaths,
  p: Profile,
  isActive: boolean,
  env: NodeJS.ProcessEnv,
): ProfileStatus {
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
  const status = statusFromCerts({
    name,
    webProxyAddr: p.webProxyAddr,
    username: user,
    cluster,
    kubeEnabled: !!p.kubeProxyAddr,
    kubeCluster: selectedKubeCluster(env, cluster),
    sshCert,
    tlsCert,
    isActive,
  });
  // Certificates that are not for the keys beside them (a login killed between its writes) would
  // show as logged in while every connection fails; say to log in again instead.
  new FileKeyStore(paths.base).checkKeyPairs(name, user, cluster, { tlsCert, sshCert });
  status.databases = activeDatabaseNames(paths, name, user, cluster);
  return status;
}

/**
 * ProfileStatus.DatabaseServices: the service names of the database certificates saved for the
 * profile's cluster (keys/<proxy>/<user>-db/<cluster>/<db>.crt), by file name. Unreadable ones are
 * left out.
 */
export function activeDatabaseNames(paths: KeyPaths, proxy: string, user: string, cluster: string): string[] {
  const out: string[] = [];
  for (const db of listDbCertNames(paths, proxy, user, cluster)) {
    const pem = readFileIfExists(paths.databaseCert(proxy, user, cluster, db));
    if (!pem) continue;
    try {
      const route = decodeTlsIdentity(pem.toString('utf8')).routeToDatabase;
      if (route?.serviceName) out.push(route.serviceName);
    } catch {
      // a corrupt certificate is not an active database
    }
  }
  return out;
}

/**
 * Env overrides for the active profile (tsh.go makeProfileInfo): a variable counts when it is set,
 * even to an empty value (getTshEnv uses os.LookupEnv).
 */
export function applyEnvOverrides(s: ProfileStatus, env: NodeJS.ProcessEnv): ProfileStatus {
  const out = { ...s };
  if (env.TELEPORT_PROXY !== undefined) {
    // url.URL{Scheme: "https", Host: proxy}.String(): "https:" when the host is empty.
    out.proxyURL = env.TELEPORT_PROXY ? `https://${env.TELEPORT_PROXY}` : 'https:';
    out.proxyFromEnv = 'TELEPORT_PROXY';
  }
  const cl =
    env.TELEPORT_CLUSTER !== undefined
      ? 'TELEPORT_CLUSTER'
      : env.TELEPORT_SITE !== undefined
        ? 'TELEPORT_SITE'
        : undefined;
  if (cl) {
    out.cluster = env[cl]!;
    out.clusterFromEnv = cl;
  }
  if (env.TELEPORT_KUBE_CLUSTER !== undefined) {
    out.kubeCluster = env.TELEPORT_KUBE_CLUSTER;
    out.kubeClusterFromEnv = 'TELEPORT_KUBE_CLUSTER';
  }
  return out;
}
