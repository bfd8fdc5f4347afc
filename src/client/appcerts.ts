// Per-app client certificates in the key store, where tsh v17+ keeps them
// (api/utils/keypaths: keys/<proxy>/<user>-app/<cluster>/<app>.crt and its own <app>.key), issued
// through the client core's reissue path (route kind 'app': usage App, RouteToApp). docs/apps.md.
import * as fs from 'node:fs';
import type { KeyPaths } from '../auth/keypaths.js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import { splitHostPort } from '../auth/profile.js';
import type { Prompter } from '../term/prompt.js';
import { KEY_FILE_MODE, removeFileSecure, writeFileAtomic } from '../util/fsutil.js';
import { DEFAULT_WEB_PORT } from './addr.js';
import type { AppRoute } from './appinfo.js';
import {
  checkPathName,
  credLocation,
  listCredNames,
  noProfileError,
  readCertPair,
  type CredLocation,
  type SavedCert,
} from './credfiles.js';
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

export type AppCert = SavedCert;

function filesOf(w: CredLocation, app: string): AppCertFiles {
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
  const w = await credLocation(tc, cluster);
  if (!w) throw noProfileError('app');
  return filesOf(w, app);
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
  const w = await credLocation(tc, cluster);
  if (!w) return undefined;
  const f = filesOf(w, app);
  return readCertPair(f.cert, f.key);
}

/** Names of the apps with a saved certificate in a cluster (<app>.crt files), sorted. */
export function listAppCertNames(
  paths: KeyPaths,
  proxyHost: string,
  user: string,
  cluster: string,
): string[] {
  return listCredNames(paths.appCredentialDir(proxyHost, user, cluster), '.crt');
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
  const w = await credLocation(tc, cluster);
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
  const w = await credLocation(tc, cluster);
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
  const w = await credLocation(tc);
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
  const w = o.save ? await credLocation(tc, o.route.clusterName) : undefined;
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
