// Per-Kubernetes-cluster client certificates in the key store, where tsh v17+ keeps them:
// keys/<proxy>/<user>-kube/<cluster>/<kube>.cred holds the key PEM, one blank line, then the
// certificate PEM (lib/client keystore.go writeKubeCredential). Issued through the client core's
// reissue path (route kind 'kube'). `kube credentials` reads them on every kubectl call, so the
// read path touches only the profile file and the .cred file. docs/kube-client.md.
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPaths } from '../auth/keypaths.js';
import { profileCluster, profileName } from '../auth/profile.js';
import type { UserCertsRequest_Requester } from '../gen/teleport/legacy/client/proto/authservice.js';
import type { Prompter } from '../term/prompt.js';
import { TshError } from '../util/errors.js';
import {
  KEY_FILE_MODE,
  ensureDir,
  readFileIfExists,
  removeFileSecure,
  writeFileAtomic,
} from '../util/fsutil.js';
import { checkPathName, listCredNames, noProfileError } from './credfiles.js';
import type { TeleportClient } from './teleport.js';

/** Upstream's refusal when the certificate carries no kubernetes_users nor kubernetes_groups. */
export const NO_KUBE_ACCESS_MESSAGE =
  "Your user's Teleport role does not allow Kubernetes access." +
  ' Please ask cluster administrator to ensure your role has appropriate kubernetes_groups and kubernetes_users set.';

export interface KubeCertFiles {
  /** keys/<proxy>/<user>-kube/<cluster>/<kube>.cred */
  cred: string;
  /** keys/<proxy>/<user>-kube/<cluster>/<kube>-kubeconfig (the profile kubeconfig) */
  kubeconfig: string;
  /** keys/<proxy>/kube_credentials.lock: one reissue at a time across kubectl calls. */
  lock: string;
  /** keys/<proxy>/cas/<root>.pem */
  ca: string;
}

export interface KubeCert {
  certPem: string;
  keyPem: string;
  expires: Date;
}

export interface IssueKubeCertOptions {
  /** Target Teleport cluster; defaults to the client's. */
  cluster?: string;
  kube: string;
  ttlMs?: number;
  requester?: UserCertsRequest_Requester;
  prompter?: Prompter;
  warn?: (text: string) => void;
  /** Save even a certificate issued after per-session MFA (`tsh kube credentials` does not). */
  saveMfaVerified?: boolean;
}

interface Where {
  paths: KeyPaths;
  proxyHost: string;
  user: string;
  cluster: string;
  root: string;
}

/**
 * From the selected profile alone (no certificate decoding: this is the exec plugin's hot path).
 * An identity file (-i) has no key store: undefined.
 */
async function where(tc: TeleportClient, cluster?: string): Promise<Where | undefined> {
  if (tc.config.identityFile) return undefined;
  const p = tc.selectedProfile();
  if (!p?.username) return undefined;
  const root = profileCluster(p);
  const c = cluster || tc.config.cluster || root;
  checkPathName('cluster', c);
  const { KeyPaths } = await import('../auth/keypaths.js');
  return { paths: new KeyPaths(tc.home), proxyHost: profileName(p), user: p.username, cluster: c, root };
}

function filesOf(w: Where, kube: string): KubeCertFiles {
  checkPathName('Kubernetes cluster', kube);
  return {
    cred: w.paths.kubeCred(w.proxyHost, w.user, w.cluster, kube),
    kubeconfig: w.paths.kubeConfig(w.proxyHost, w.user, w.cluster, kube),
    lock: w.paths.kubeCredLock(w.proxyHost),
    ca: w.paths.clusterCA(w.proxyHost, w.root),
  };
}

/** Where a kube cluster's credential (and profile kubeconfig) are, or will be, on disk. */
export async function kubeCertFiles(
  tc: TeleportClient,
  cluster: string,
  kube: string,
): Promise<KubeCertFiles> {
  const w = await where(tc, cluster);
  if (!w) throw noProfileError('Kubernetes');
  return filesOf(w, kube);
}

/** The .cred file's content: key PEM, exactly one blank line, certificate PEM. */
export function encodeKubeCred(keyPem: string, certPem: string): string {
  return `${keyPem.replace(/\n+$/, '')}\n\n${certPem.replace(/^\n+/, '')}`;
}

/** Splits a .cred file; undefined unless it is exactly two PEM parts. */
export function decodeKubeCred(text: string): { keyPem: string; certPem: string } | undefined {
  const parts = text.split('\n\n');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { keyPem: `${parts[0]}\n`, certPem: parts[1] };
}

/** Parses a saved credential; undefined when it is corrupt. */
export function parseKubeCred(text: string): KubeCert | undefined {
  const d = decodeKubeCred(text);
  if (!d) return undefined;
  try {
    return { ...d, expires: new Date(new X509Certificate(d.certPem).validTo) };
  } catch {
    return undefined;
  }
}

/**
 * The saved certificate of a kube cluster, or undefined when there is none usable (missing or
 * corrupt). Expired ones are returned; callers compare `expires`.
 */
export async function readKubeCert(
  tc: TeleportClient,
  cluster: string,
  kube: string,
): Promise<KubeCert | undefined> {
  const w = await where(tc, cluster);
  if (!w) return undefined;
  const text = readFileIfExists(filesOf(w, kube).cred)?.toString('utf8');
  return text ? parseKubeCred(text) : undefined;
}

/** Names of the kube clusters with a saved credential in a cluster (<kube>.cred), sorted. */
export function listKubeCertNames(
  paths: KeyPaths,
  proxyHost: string,
  user: string,
  cluster: string,
): string[] {
  return listCredNames(paths.kubeCredentialDir(proxyHost, user, cluster), '.cred');
}

/** Removes a kube cluster's credential; true if it was there. */
export async function deleteKubeCert(tc: TeleportClient, cluster: string, kube: string): Promise<boolean> {
  const w = await where(tc, cluster);
  if (!w) return false;
  const f = filesOf(w, kube);
  const keys = await tc.keyStore();
  return keys.locked(() => removeFileSecure(f.cred));
}

/** True when the certificate names at least one Kubernetes user or group (checkIfCertHasKubeGroupsAndUsers). */
export async function certHasKubeAccess(certPem: string): Promise<boolean> {
  const { decodeTlsIdentity } = await import('../auth/x509/identity.js');
  const id = decodeTlsIdentity(certPem);
  return id.kubernetesUsers.length > 0 || id.kubernetesGroups.length > 0;
}

/**
 * Issues a certificate routed to one kube cluster (usage Kubernetes, KubernetesCluster) and
 * saves it (atomically, 0600, under the key-store lock) unless it was issued after a per-session
 * MFA ceremony (and `saveMfaVerified` is not set). A certificate without kubernetes_users nor
 * kubernetes_groups is refused with upstream's message and not saved.
 */
export async function issueKubeCert(
  tc: TeleportClient,
  o: IssueKubeCertOptions,
): Promise<KubeCert & { saved: boolean }> {
  checkPathName('Kubernetes cluster', o.kube);
  const cc = await tc.cluster();
  const { reissueTlsCert } = await import('./reissue.js');
  tc.log('issuing kubernetes certificate', { kube: o.kube, cluster: o.cluster });
  const c = await reissueTlsCert(cc, {
    env: tc.config.env,
    route: { kind: 'kube', kubeCluster: o.kube },
    cluster: o.cluster,
    ttlMs: o.ttlMs,
    prompter: o.prompter,
    warn: o.warn,
    requester: o.requester,
  });
  if (!(await certHasKubeAccess(c.certPem))) throw new TshError(NO_KUBE_ACCESS_MESSAGE, 'access-denied');
  const cert: KubeCert = { certPem: c.certPem, keyPem: c.keyPem, expires: c.expires };
  const w = c.mfaVerified && !o.saveMfaVerified ? undefined : await where(tc, o.cluster);
  if (!w) return { ...cert, saved: false };
  const f = filesOf(w, o.kube);
  const keys = await tc.keyStore();
  keys.locked(() => writeFileAtomic(f.cred, encodeKubeCred(c.keyPem, c.certPem), KEY_FILE_MODE));
  return { ...cert, saved: true };
}

const LOCK_POLL_MS = 50;

/**
 * Runs fn holding keys/<proxy>/kube_credentials.lock (upstream waits up to 5 s), so that the
 * many kubectl calls that find an expired certificate at once reissue it only once. A lock
 * left by a dead process is broken.
 */
export async function withKubeCredLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
  timeoutMs = 5_000,
): Promise<T> {
  ensureDir(path.dirname(lockFile));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: KEY_FILE_MODE });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockOwnerDead(lockFile)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new TshError(
          `timed out waiting for ${lockFile}; if no other tshjs is running, delete it`,
          'locked',
        );
      }
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.rmSync(lockFile, { force: true });
    } catch {
      // already gone
    }
  }
}

function lockOwnerDead(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(lockFile, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
