// `tctl auth sign --format=db`: a database server certificate from the cluster's database CA,
// plus the CA the database must trust for the database service's client certificates.
// Facts and upstream sources: docs/database-certs.md.
import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKey, isSuite } from '../auth/keygen.js';
import { parseGoDuration } from '../format/duration.js';
import { badParameter, TshError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsutil.js';
import { loadOrCreateAuthority, type Authority } from './authority.js';
import { issueServerCert } from './tlsca.js';

/** apidefaults.CertDuration: tctl auth sign's default --ttl. */
export const DB_CERT_DEFAULT_TTL_MS = 12 * 3600 * 1000;

/** The --format values `auth sign` supports here (tctl knows more). */
export const AUTH_SIGN_FORMATS = ['db'] as const;

export interface DatabaseServerFiles {
  /** PREFIX.crt: the server certificate, signed by types.DatabaseCA. */
  certPem: string;
  /** PREFIX.key: its RSA 2048 key, PKCS#1 ("RSA PRIVATE KEY"), as keys.MarshalPrivateKey writes it. */
  keyPem: string;
  /** PREFIX.cas: types.DatabaseClientCA, which signs the database service's client certificates. */
  casPem: string;
}

/** `hosts[0]` is the subject CN (nothing else in the subject); every host is a SAN (IPs as IP SANs). */
export async function signDatabaseServer(
  authority: Authority,
  o: { hosts: string[]; ttlMs?: number },
): Promise<DatabaseServerFiles> {
  if (!o.hosts.length || o.hosts.every((h) => h === '')) {
    throw badParameter('at least one hostname must be specified');
  }
  const { db, dbClient } = await authority.databaseCAs();
  // cryptosuites.DatabaseServer is RSA 2048 in every suite: many databases accept nothing else.
  const key = generateKey('rsa2048');
  const certPem = await issueServerCert({
    caCertPem: db.certPem,
    caKey: db.key,
    publicKey: createPublicKey(key),
    commonName: o.hosts[0]!,
    dnsNames: o.hosts.filter(Boolean), // deduplicated (and IPs moved to IP SANs) by issueServerCert
    notAfter: new Date(Date.now() + (o.ttlMs ?? DB_CERT_DEFAULT_TTL_MS)),
    extKeyUsage: 'serverAuth',
  });
  return {
    certPem,
    keyPem: key.export({ type: 'pkcs1', format: 'pem' }) as string,
    casPem: dbClient.certPem,
  };
}

/** The cluster's CAs from `<dataDir>/ca`, which `tshjs-devcluster start --data-dir` wrote. */
export async function loadAuthorityFromDataDir(dataDir: string | undefined): Promise<Authority> {
  if (!dataDir) {
    throw badParameter(
      '--data-dir is required: the cluster keeps its CAs only in a data dir (start --data-dir DIR)',
    );
  }
  const metaFile = path.join(dataDir, 'ca', 'meta.json');
  let meta: { cluster_name?: unknown; signature_algorithm_suite?: unknown };
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as typeof meta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TshError(
        `no cluster CAs in ${dataDir} (start the cluster once with --data-dir ${dataDir})`,
        'not-found',
      );
    }
    throw new TshError(`cannot read ${metaFile}: ${(err as Error).message}`, 'bad-parameter');
  }
  const name = meta.cluster_name;
  const suite = meta.signature_algorithm_suite;
  if (typeof name !== 'string' || !name || typeof suite !== 'string' || !isSuite(suite)) {
    throw new TshError(`${metaFile} is not a cluster CA description`, 'bad-parameter');
  }
  return loadOrCreateAuthority(dataDir, name, suite);
}

export interface AuthSignOptions {
  format: string;
  host?: string;
  out: string;
  dataDir?: string;
  ttl?: string;
  overwrite?: boolean;
}

/**
 * `auth sign`: writes PREFIX.key, PREFIX.crt and PREFIX.cas (each 0600, as tctl's identity files)
 * and returns what tctl prints after it.
 */
export async function authSign(o: AuthSignOptions): Promise<string> {
  if (!(AUTH_SIGN_FORMATS as readonly string[]).includes(o.format)) {
    throw badParameter(`invalid --format flag ${JSON.stringify(o.format)}, only "db" is supported`);
  }
  // tctl splits --host on commas as is: no trimming; "" means no host.
  const hosts = (o.host ?? '').split(',');
  if (hosts.length === 1 && hosts[0] === '') throw badParameter('at least one hostname must be specified');
  const ttlMs = o.ttl === undefined ? DB_CERT_DEFAULT_TTL_MS : parseGoDuration(o.ttl);
  if (ttlMs <= 0) throw badParameter(`invalid --ttl ${JSON.stringify(o.ttl)}: must be positive`);
  const authority = await loadAuthorityFromDataDir(o.dataDir);

  const files = { key: `${o.out}.key`, crt: `${o.out}.crt`, cas: `${o.out}.cas` };
  const written = [files.key, files.crt, files.cas];
  const existing = written.filter((f) => fs.existsSync(f));
  // tctl asks on the terminal; here (scripts, CI) refuse unless told to overwrite.
  if (existing.length && !o.overwrite) {
    throw new TshError(`destination file(s) ${existing.join(', ')} exist; use --overwrite`, 'bad-parameter');
  }
  const signed = await signDatabaseServer(authority, { hosts, ttlMs });
  writeFileAtomic(files.crt, signed.certPem, 0o600);
  writeFileAtomic(files.key, signed.keyPem, 0o600);
  writeFileAtomic(files.cas, signed.casPem, 0o600);
  return dbAuthSignMessage(written, o.out);
}

/** tctl's helper text for --format=db (tool/tctl/common/auth_command.go, dbAuthSignTpl). */
export function dbAuthSignMessage(written: string[], out: string): string {
  return [
    '',
    `Database credentials have been written to ${written.join(', ')}.`,
    '',
    '',
    'To enable mutual TLS on your PostgreSQL server, add the following to its postgresql.conf configuration file:',
    '',
    'ssl = on',
    `ssl_cert_file = '/path/to/${out}.crt'`,
    `ssl_key_file = '/path/to/${out}.key'`,
    `ssl_ca_file = '/path/to/${out}.cas'`,
    '',
    'To enable mutual TLS on your MySQL server, add the following to its mysql.cnf configuration file:',
    '',
    '[mysqld]',
    'require_secure_transport=ON',
    `ssl-cert=/path/to/${out}.crt`,
    `ssl-key=/path/to/${out}.key`,
    `ssl-ca=/path/to/${out}.cas`,
    '',
  ].join('\n');
}
