// Per-database client certificates in the key store, where tsh v17+ keeps them
// (api/utils/keypaths: keys/<proxy>/<user>-db/<cluster>/<db>.crt and its own <db>.key), issued
// through the client core's reissue path (route kind 'db'). docs/database-client.md.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import type { KeyPaths } from '../auth/keypaths.js';
import { profileNameFromAddr } from '../auth/profile.js';
import { decodeTlsIdentity, type TlsIdentity } from '../auth/x509/identity.js';
import type { UserCertsRequest_Requester } from '../gen/teleport/legacy/client/proto/authservice.js';
import type { DatabaseV3 } from '../gen/teleport/legacy/types/types.js';
import type { Prompter } from '../term/prompt.js';
import { TshError } from '../util/errors.js';
import { KEY_FILE_MODE, readFileIfExists, removeFileSecure, writeFileAtomic } from '../util/fsutil.js';
import type { TeleportClient } from './teleport.js';

export interface DbCertFiles {
  /** keys/<proxy>/<user>-db/<cluster>/<db>.crt */
  cert: string;
  /** keys/<proxy>/<user>-db/<cluster>/<db>.key */
  key: string;
  /** keys/<proxy>/cas/<root>.pem: what database clients verify the server with (CACertPathForCluster(root)). */
  ca: string;
}

export interface DbCert {
  certPem: string;
  keyPem: string;
  expires: Date;
  identity: TlsIdentity;
}

export interface IssueDbCertOptions {
  /** Target cluster; defaults to the client's. */
  cluster?: string;
  db: DatabaseV3 | string;
  protocol: string;
  /** RouteToDatabase.Username (--db-user). */
  username: string;
  /** RouteToDatabase.Database (--db-name). */
  database: string;
  /** RouteToDatabase.Roles (--db-roles). */
  roles: string[];
  ttlMs?: number;
  requester?: UserCertsRequest_Requester;
  prompter?: Prompter;
  warn?: (text: string) => void;
  /**
   * Save even a certificate issued after per-session MFA (`db login` does; the local proxies keep
   * those in memory).
   */
  saveMfaVerified?: boolean;
}

interface Where {
  paths: KeyPaths;
  proxyHost: string;
  user: string;
  cluster: string;
  root: string;
}

function dbName(db: DatabaseV3 | string): string {
  return typeof db === 'string' ? db : (db.Metadata?.Name ?? '');
}

/** A name used as a path component must not climb out of the key directory. */
function checkPathName(kind: string, name: string): void {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    throw new TshError(`invalid ${kind} name ${JSON.stringify(name)}`, 'bad-parameter');
  }
}

/** Profile-backed credentials only: an identity file (-i) has no key store to keep db certs in. */
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
    root: id.rootCluster,
  };
}

function filesOf(w: Where, db: string): DbCertFiles {
  checkPathName('database', db);
  return {
    cert: w.paths.databaseCert(w.proxyHost, w.user, w.cluster, db),
    key: w.paths.databaseKey(w.proxyHost, w.user, w.cluster, db),
    ca: w.paths.clusterCA(w.proxyHost, w.root),
  };
}

/** Where a database's certificate, key and the root cluster's CA are (or will be) on disk. */
export async function dbCertFiles(tc: TeleportClient, cluster: string, db: string): Promise<DbCertFiles> {
  const w = await where(tc, cluster);
  if (!w) {
    throw new TshError(
      'database certificates are kept in a profile; log in with "tshjs login" instead of using an identity file',
      'bad-parameter',
    );
  }
  return filesOf(w, db);
}

/**
 * The saved certificate of a database, or undefined when there is none usable: missing, corrupt,
 * or not for the key beside it (a write interrupted between the two files). Expired ones are
 * returned; callers compare `expires`.
 */
export async function readDbCert(
  tc: TeleportClient,
  cluster: string,
  db: string,
): Promise<DbCert | undefined> {
  const w = await where(tc, cluster);
  if (!w) return undefined;
  const f = filesOf(w, db);
  const certPem = readFileIfExists(f.cert)?.toString('utf8');
  const keyPem = readFileIfExists(f.key)?.toString('utf8');
  if (!certPem || !keyPem) return undefined;
  try {
    const x509 = new X509Certificate(certPem);
    if (!x509.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    return { certPem, keyPem, expires: new Date(x509.validTo), identity: decodeTlsIdentity(certPem) };
  } catch {
    return undefined;
  }
}

/** Names of the databases with a saved certificate in a cluster (<db>.crt files), sorted. */
export function listDbCertNames(paths: KeyPaths, proxyHost: string, user: string, cluster: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(paths.databaseCredentialDir(proxyHost, user, cluster));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.crt') && !n.startsWith('.') && n.length > 4)
    .map((n) => n.slice(0, -4))
    .sort();
}

/** The saved certificates of every database of a cluster (unusable ones left out). */
export async function listDbCerts(
  tc: TeleportClient,
  cluster?: string,
): Promise<Array<{ name: string } & DbCert>> {
  const w = await where(tc, cluster);
  if (!w) return [];
  const out: Array<{ name: string } & DbCert> = [];
  for (const name of listDbCertNames(w.paths, w.proxyHost, w.user, w.cluster)) {
    const c = await readDbCert(tc, w.cluster, name);
    if (c) out.push({ name, ...c });
  }
  return out;
}

/** Removes a database's certificate and key (and a v16 `-x509.pem`); true if any was there. */
export async function deleteDbCert(tc: TeleportClient, cluster: string, db: string): Promise<boolean> {
  const w = await where(tc, cluster);
  if (!w) return false;
  const f = filesOf(w, db);
  const keys = await tc.keyStore();
  return keys.locked(() => {
    let found = false;
    for (const file of [f.cert, f.key, w.paths.legacyDatabaseCert(w.proxyHost, w.user, w.cluster, db)]) {
      if (removeFileSecure(file)) found = true;
    }
    return found;
  });
}

/**
 * Issues a certificate routed to one database (usage:db, RouteToDatabase) with a fresh RSA 2048
 * key, and saves it (atomically, 0600, under the key-store lock) unless it was issued after a
 * per-session MFA ceremony (and `saveMfaVerified` is not set): the local proxies keep those in
 * memory, as upstream does.
 */
export async function issueDbCert(
  tc: TeleportClient,
  o: IssueDbCertOptions,
): Promise<DbCert & { saved: boolean }> {
  const name = dbName(o.db);
  checkPathName('database', name);
  const cc = await tc.cluster();
  const { reissueTlsCert } = await import('./reissue.js');
  tc.log('issuing database certificate', { db: name, user: o.username, database: o.database });
  const c = await reissueTlsCert(cc, {
    env: tc.config.env,
    route: {
      kind: 'db',
      service: name,
      protocol: o.protocol,
      username: o.username,
      database: o.database,
      roles: o.roles,
    },
    cluster: o.cluster,
    ttlMs: o.ttlMs,
    prompter: o.prompter,
    warn: o.warn,
    requester: o.requester,
  });
  const cert: DbCert = {
    certPem: c.certPem,
    keyPem: c.keyPem,
    expires: c.expires,
    identity: decodeTlsIdentity(c.certPem),
  };
  const w = c.mfaVerified && !o.saveMfaVerified ? undefined : await where(tc, o.cluster);
  if (!w) return { ...cert, saved: false };
  const f = filesOf(w, name);
  const keys = await tc.keyStore();
  keys.locked(() => {
    // Key first: a reader that finds the new cert beside the old key ignores the pair.
    writeFileAtomic(f.key, c.keyPem, KEY_FILE_MODE);
    writeFileAtomic(f.cert, c.certPem, KEY_FILE_MODE);
    removeFileSecure(w.paths.legacyDatabaseCert(w.proxyHost, w.user, w.cluster, name));
  });
  return { ...cert, saved: true };
}
