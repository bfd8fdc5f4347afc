// What the per-resource credentials in the key store (database, app and Kubernetes certificates,
// keys/<proxy>/<user>-<kind>/<cluster>/…) share: where they are for a client, safe names as path
// components, reading a certificate with its own key, and listing the saved ones of a cluster.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import type { KeyPaths } from '../auth/keypaths.js';
import { profileNameFromAddr } from '../auth/profile.js';
import { decodeTlsIdentity, type TlsIdentity } from '../auth/x509/identity.js';
import { TshError } from '../util/errors.js';
import { readFileIfExists } from '../util/fsutil.js';
import type { TeleportClient } from './teleport.js';

export interface CredLocation {
  paths: KeyPaths;
  /** The profile name (proxy host) the key directory is named after. */
  proxyHost: string;
  user: string;
  /** The cluster the credentials are for (--cluster, else the client's). */
  cluster: string;
  /** The root cluster (whose CA database clients verify with). */
  root: string;
}

/** A certificate with the key beside it. */
export interface SavedCert {
  certPem: string;
  keyPem: string;
  expires: Date;
  identity: TlsIdentity;
}

/** A name used as a path component must not climb out of the key directory. */
export function checkPathName(kind: string, name: string): void {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    throw new TshError(`invalid ${kind} name ${JSON.stringify(name)}`, 'bad-parameter');
  }
}

/** Profile-backed credentials only: an identity file (-i) has no key store (undefined). */
export async function credLocation(tc: TeleportClient, cluster?: string): Promise<CredLocation | undefined> {
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

/** The one-line refusal when such credentials are asked of an identity file. */
export function noProfileError(what: string): TshError {
  return new TshError(
    `${what} certificates are kept in a profile; log in with "tshjs login" instead of using an identity file`,
    'bad-parameter',
  );
}

/** A certificate and its key, or undefined when either is corrupt or they do not belong together. */
export function parseCertPair(certPem: string, keyPem: string): SavedCert | undefined {
  try {
    const x509 = new X509Certificate(certPem);
    if (!x509.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    return { certPem, keyPem, expires: new Date(x509.validTo), identity: decodeTlsIdentity(certPem) };
  } catch {
    return undefined;
  }
}

/**
 * The saved certificate, or undefined when there is none usable: missing, corrupt, or not for the
 * key beside it (a write interrupted between the two files). Expired ones are returned.
 */
export function readCertPair(certFile: string, keyFile: string): SavedCert | undefined {
  const certPem = readFileIfExists(certFile)?.toString('utf8');
  const keyPem = readFileIfExists(keyFile)?.toString('utf8');
  return certPem && keyPem ? parseCertPair(certPem, keyPem) : undefined;
}

/** The names of the `<name><ext>` files in dir (no hidden or temp files), sorted; [] without dir. */
export function listCredNames(dir: string, ext: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(ext) && !n.startsWith('.') && n.length > ext.length)
    .map((n) => n.slice(0, -ext.length))
    .sort();
}
