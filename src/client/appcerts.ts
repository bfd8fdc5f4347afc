// Per-app client certificates in the key store, where tsh v17+ keeps them
// (api/utils/keypaths: keys/<proxy>/<user>-app/<cluster>/<app>.crt and its own <app>.key), issued
// through the client core's reissue path (route kind 'app': usage App, RouteToApp). docs/apps.md.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import type { KeyPaths } from '../auth/keypaths.js';
import { profileNameFromAddr, splitHostPort } from '../auth/profile.js';
import { decodeTlsIdentity, type TlsIdentity } from '../auth/x509/identity.js';
import type { Prompter } from '../term/prompt.js';
import { TshError } from '../util/errors.js';
import { KEY_FILE_MODE, readFileIfExists, removeFileSecure, writeFileAtomic } from '../util/fsutil.js';
import { DEFAULT_WEB_PORT } from './addr.js';
import type { AppRoute } from './appinfo.js';
import type { TeleportClient } from './teleport.js';

export interface AppCertFiles {
  /** keys/<proxy>/<user>-app/<cluster>/<app>.crt (profile.AppCertPath) */
  cert: string;
  /** keys/<proxy>/<user>-app/<cluster>/<app>.key (profile.AppKeyPath) */
  key: string;
  /** keys/<proxy>/cas/<cluster>.pem (profile.CACertPathForCluster(site)) */
  ca: string;
  /** keys/<proxy>/<user>-app/<cluster>/<app>-localca.pem (profile.AppLocalCAPath) */
  localCA: string;
}

export interface AppCert {
  certPem: string;
  keyPem: string;
  expires: Date;
  identity: TlsIdentity;
}

interface Where {
  paths: KeyPaths;
  proxyHost: string;
  user: string;
  cluster: string;
}

/** A name used as a path component must not climb out of the key directory. */
function checkPathName(kind: string, name: string): void {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    throw new TshError(`invalid ${kind} name ${JSON.stringify(name)}`, 'bad-parameter');
  }
}

/** Profile-backed credentials only: an identity file (-i) has no key store to keep app certs in. */
async function where(tc: TeleportClient, cluster?: string): Promise<Where | undefined> {
  if (tc.config.identityFile) return undefined;
  const id = await tc.identity();
  const c = cluster || id.cluster;
  checkPathName('cluster', c);
  const keys = await tc.keyStore();
  return {
    paths: keys.paths,
    proxyHost: profileNameFromAddr(id.webProxyAddr),
    user: id.username,
    cluster: c,
  };
}

function filesOf(w: Where, app: string): AppCertFiles {
  checkPathName('app', app);
  return {
    cert: w.paths.appCert(w.proxyHost, w.user, w.cluster, app),
    key: w.paths.appKey(w.proxyHost, w.user, w.cluster, app),
    ca: w.paths.clusterCA(w.proxyHost, w.cluster),
    localCA: w.paths.appLocalCA(w.proxyHost, w.user, w.cluster, app),
  };
}

/** The web proxy port (tc.WebProxyPort()): what the app URI carries unless it is 443. */
export async function webProxyPort(tc: TeleportClient): Promise<number> {
  const id = await tc.identity();
  return splitHostPort(id.webProxyAddr).port ?? DEFAULT_WEB_PORT;
}

/** Where an app's certificate, key, the cluster's CA and the local CA are (or will be) on disk. */
export async function appCertFiles(tc: TeleportClient, cluster: string, app: string): Promise<AppCertFiles> {
  const w = await where(tc, cluster);
  if (!w) {
    throw new TshError(
      'app certificates are kept in a profile; log in with "tshjs login" instead of using an identity file',
      'bad-parameter',
    );
  }
  return filesOf(w, app);
}

function parse(certPem: string, keyPem: string): AppCert | undefined {
  try {
    const x509 = new X509Certificate(certPem);
    if (!x509.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    return { certPem, keyPem, expires: new Date(x509.validTo), identity: decodeTlsIdentity(certPem) };
  } catch {
    return undefined;
  }
}

/**
 * The saved certificate of an app, or undefined when there is none usable: missing, corrupt, or
 * not for the key beside it. Expired ones are returned; callers compare `expires`.
 */
export async function readAppCert(
  tc: TeleportClient,
  cluster: string,
  app: string,
): Promise<AppCert | undefined> {
  const w = await where(tc, cluster);
  if (!w) return undefined;
  const f = filesOf(w, app);
  const certPem = readFileIfExists(f.cert)?.toString('utf8');
  const keyPem = readFileIfExists(f.key)?.toString('utf8');
  if (!certPem || !keyPem) return undefined;
  return parse(certPem, keyPem);
}

/** Names of the apps with a saved certificate in a cluster (<app>.crt files), sorted. */
export function listAppCertNames(
  paths: KeyPaths,
  proxyHost: string,
  user: string,
  cluster: string,
): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(paths.appCredentialDir(proxyHost, user, cluster));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.crt') && !n.startsWith('.') && n.length > 4)
    .map((n) => n.slice(0, -4))
    .sort();
}

/**
 * profile.AppsForCluster: the app routes of the saved certificates of a cluster (expired ones
 * included, as upstream lists them; unreadable ones left out), with the file name as the app name.
 */
export async function activeApps(
  tc: TeleportClient,
  cluster?: string,
): Promise<
  Array<{ name: string; sessionId: string; publicAddr: string; clusterName: string; expires: Date }>
> {
  const w = await where(tc, cluster);
  if (!w) return [];
  const out = [];
  for (const name of listAppCertNames(w.paths, w.proxyHost, w.user, w.cluster)) {
    const c = await readAppCert(tc, w.cluster, name);
    const r = c?.identity.routeToApp;
    if (!c || !r) continue;
    out.push({
      name: r.name || name,
      sessionId: r.sessionId,
      publicAddr: r.publicAddr,
      clusterName: r.clusterName || w.cluster,
      expires: c.expires,
    });
  }
  return out;
}

/** LogoutApp: removes an app's certificate, key and local CA; true if any was there. */
export async function deleteAppCert(tc: TeleportClient, cluster: string, app: string): Promise<boolean> {
  const w = await where(tc, cluster);
  if (!w) return false;
  const f = filesOf(w, app);
  const keys = await tc.keyStore();
  return keys.locked(() => {
    let found = false;
    for (const file of [f.cert, f.key, f.localCA]) if (removeFileSecure(file)) found = true;
    return found;
  });
}

/** LogoutAllApps: every app file of the user at this proxy (<user>-app, all clusters). */
export async function deleteAllAppCerts(tc: TeleportClient): Promise<void> {
  const w = await where(tc);
  if (!w) return;
  const keys = await tc.keyStore();
  keys.locked(() => fs.rmSync(w.paths.appDir(w.proxyHost, w.user), { recursive: true, force: true }));
}

export interface IssueAppCertOptions {
  route: AppRoute;
  /** UserCertsRequest.AccessRequests: the profile's active requests. */
  accessRequests?: readonly string[];
  ttlMs?: number;
  prompter?: Prompter;
  warn?: (text: string) => void;
  /** Write it to the key store (apps login); the local proxy keeps its own in memory. */
  save: boolean;
}

/**
 * Issues a certificate routed to one app (usage:apps, RouteToApp; the auth server creates the app
 * session and puts its ID in the certificate) with its own fresh key, and saves it atomically
 * (0600, key first, under the key-store lock) when asked.
 */
export async function issueAppCert(
  tc: TeleportClient,
  o: IssueAppCertOptions,
): Promise<AppCert & { saved: boolean }> {
  checkPathName('app', o.route.name);
  const cc = await tc.cluster();
  const { reissueTlsCert } = await import('./reissue.js');
  tc.log('issuing app certificate', { app: o.route.name, cluster: o.route.clusterName });
  const c = await reissueTlsCert(cc, {
    env: tc.config.env,
    route: { kind: 'app', ...o.route },
    cluster: o.route.clusterName,
    ttlMs: o.ttlMs,
    prompter: o.prompter,
    warn: o.warn,
    accessRequests: o.accessRequests,
  });
  const cert: AppCert = {
    certPem: c.certPem,
    keyPem: c.keyPem,
    expires: c.expires,
    identity: decodeTlsIdentity(c.certPem),
  };
  const w = o.save ? await where(tc, o.route.clusterName) : undefined;
  if (!w) return { ...cert, saved: false };
  const f = filesOf(w, o.route.name);
  const keys = await tc.keyStore();
  keys.locked(() => {
    // Key first: a reader that finds the new cert beside the old key ignores the pair.
    writeFileAtomic(f.key, c.keyPem, KEY_FILE_MODE);
    writeFileAtomic(f.cert, c.certPem, KEY_FILE_MODE);
  });
  return { ...cert, saved: true };
}
