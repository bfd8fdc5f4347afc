// Per-database client certificates in the key store, where tsh v17+ keeps them
// (api/utils/keypaths: keys/<proxy>/<user>-db/<cluster>/<db>.crt and its own <db>.key), issued
// through the client core's reissue path (route kind 'db'). docs/database-client.md.
import type { KeyPaths } from '../auth/keypaths.js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import type { UserCertsRequest_Requester } from '../gen/teleport/legacy/client/proto/authservice.js';
import type { DatabaseV3 } from '../gen/teleport/legacy/types/types.js';
import type { Prompter } from '../term/prompt.js';
import { KEY_FILE_MODE, removeFileSecure, writeFileAtomic } from '../util/fsutil.js';
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

export interface DbCertFiles {
  /** keys/<proxy>/<user>-db/<cluster>/<db>.crt */
  cert: string;
  /** keys/<proxy>/<user>-db/<cluster>/<db>.key */
  key: string;
  /** keys/<proxy>/cas/<root>.pem: what database clients verify the server with (CACertPathForCluster(root)). */
  ca: string;
}

export type DbCert = SavedCert;

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

function dbName(db: DatabaseV3 | string): string {
  return typeof db === 'string' ? db : (db.Metadata?.Name ?? '');
}

function filesOf(w: CredLocation, db: string): DbCertFiles {
  checkPathName('database', db);
  return {
    cert: w.paths.databaseCert(w.proxyHost, w.user, w.cluster, db),
    key: w.paths.databaseKey(w.proxyHost, w.user, w.cluster, db),
    ca: w.paths.clusterCA(w.proxyHost, w.root),
  };
}

/** Where a database's certificate, key and the root cluster's CA are (or will be) on disk. */
export async function dbCertFiles(tc: TeleportClient, cluster: string, db: string): Promise<DbCertFiles> {
  const w = await credLocation(tc, cluster);
  if (!w) throw noProfileError('database');
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
  const w = await credLocation(tc, cluster);
  if (!w) return undefined;
  const f = filesOf(w, db);
  return readCertPair(f.cert, f.key);
}

/** Names of the databases with a saved certificate in a cluster (<db>.crt files), sorted. */
export function listDbCertNames(paths: KeyPaths, proxyHost: string, user: string, cluster: string): string[] {
  return listCredNames(paths.databaseCredentialDir(proxyHost, user, cluster), '.crt');
}

/** The saved certificates of every database of a cluster (unusable ones left out). */
export async function listDbCerts(
  tc: TeleportClient,
  cluster?: string,
): Promise<Array<{ name: string } & DbCert>> {
  const w = await credLocation(tc, cluster);
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
  const w = await credLocation(tc, cluster);
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
  const w = c.mfaVerified && !o.saveMfaVerified ? undefined : await credLocation(tc, o.cluster);
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
