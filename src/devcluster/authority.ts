// The dev cluster's certificate authorities: user and host CAs for SSH and TLS, with key
// algorithms per signature suite (lib/cryptosuites), and the two database CAs: the database CA
// (signs database servers' certificates, `auth sign --format=db`) and the database client CA
// (signs the certificates the database service presents to databases; separate since v15), and the
// JWT signer (types.JWTSigner: app access tokens, published at /.well-known/jwks.json).
// Persisted in --data-dir when given.
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKey, type KeyAlgorithm, type SignatureSuite } from '../auth/keygen.js';
import { marshalAuthorizedKey } from '../auth/ssh/keys.js';
import { ensureDir, writeFileAtomic } from '../util/fsutil.js';
import { createTlsCa } from './tlsca.js';

export interface TlsAuthority {
  key: KeyObject;
  certPem: string;
}

export interface Authority {
  clusterName: string;
  suite: SignatureSuite;
  userSSH: KeyObject;
  hostSSH: KeyObject;
  userTLS: TlsAuthority;
  hostTLS: TlsAuthority;
  /**
   * types.DatabaseCA and types.DatabaseClientCA, created on first use: RSA keys take a while to
   * make and most clusters never serve a database.
   */
  databaseCAs(): Promise<DatabaseAuthorities>;
  /** types.JWTSigner, created on first use (an RSA key for the legacy suite takes a while). */
  jwtSigner(): Promise<JwtAuthority>;
}

/** The JWT CA's key pair and its JWS algorithm. */
export interface JwtAuthority {
  key: KeyObject;
  alg: 'ES256' | 'RS256';
}

/** JWT key per suite: RSA 2048 (RS256) for legacy, ECDSA P-256 (ES256) for the v1 suites. */
export function jwtAlgorithm(suite: SignatureSuite): JwtAuthority['alg'] {
  return suite === 'legacy' ? 'RS256' : 'ES256';
}

function newJwtAuthority(suite: SignatureSuite): JwtAuthority {
  const alg = jwtAlgorithm(suite);
  return { key: generateKey(alg === 'RS256' ? 'rsa2048' : 'ecdsa-p256'), alg };
}

/** A JWT key read back: its type says the algorithm. */
function jwtAuthorityOf(key: KeyObject): JwtAuthority {
  return { key, alg: key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256' };
}

export interface DatabaseAuthorities {
  /** types.DatabaseCA: database server certificates. */
  db: TlsAuthority;
  /** types.DatabaseClientCA: what databases trust for the database service's client certificates. */
  dbClient: TlsAuthority;
}

/** CA key algorithms per suite: legacy all RSA; balanced Ed25519 SSH + P-256 TLS; fips/hsm P-256. */
export function caAlgorithms(suite: SignatureSuite): { ssh: KeyAlgorithm; tls: KeyAlgorithm } {
  switch (suite) {
    case 'legacy':
      return { ssh: 'rsa2048', tls: 'rsa2048' };
    case 'balanced-v1':
      return { ssh: 'ed25519', tls: 'ecdsa-p256' };
    case 'fips-v1':
    case 'hsm-v1':
      return { ssh: 'ecdsa-p256', tls: 'ecdsa-p256' };
  }
}

interface Meta {
  cluster_name: string;
  signature_algorithm_suite: SignatureSuite;
}

const FILES = {
  meta: 'meta.json',
  userSSH: 'user-ssh.key',
  hostSSH: 'host-ssh.key',
  userTLSKey: 'user-tls.key',
  userTLSCert: 'user-tls.crt',
  hostTLSKey: 'host-tls.key',
  hostTLSCert: 'host-tls.crt',
  dbTLSKey: 'db-tls.key',
  dbTLSCert: 'db-tls.crt',
  dbClientTLSKey: 'db-client-tls.key',
  dbClientTLSCert: 'db-client-tls.crt',
  jwtKey: 'jwt.key',
};

type FileName = keyof typeof FILES;

function keyPem(k: KeyObject): string {
  return k.export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function newAuthority(clusterName: string, suite: SignatureSuite): Promise<Authority> {
  const algs = caAlgorithms(suite);
  const tls = async (): Promise<TlsAuthority> => {
    const key = generateKey(algs.tls);
    const certPem = await createTlsCa({
      clusterName,
      key: { privateKey: key, publicKey: createPublicKey(key) },
    });
    return { key, certPem };
  };
  return {
    clusterName,
    suite,
    userSSH: generateKey(algs.ssh),
    hostSSH: generateKey(algs.ssh),
    userTLS: await tls(),
    hostTLS: await tls(),
    databaseCAs: memo(async () => ({
      db: await newTlsAuthority(clusterName, 'rsa2048'),
      dbClient: await newTlsAuthority(clusterName, 'rsa2048'),
    })),
    jwtSigner: memo(() => Promise.resolve(newJwtAuthority(suite))),
  };
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

/**
 * A TLS CA. The database CAs are RSA in every suite (cryptosuites DatabaseCATLS and
 * DatabaseClientCATLS), as some databases accept nothing else.
 */
async function newTlsAuthority(clusterName: string, alg: KeyAlgorithm): Promise<TlsAuthority> {
  const key = generateKey(alg);
  const certPem = await createTlsCa({
    clusterName,
    key: { privateKey: key, publicKey: createPublicKey(key) },
  });
  return { key, certPem };
}

/** Loads a persisted TLS CA, or creates and saves it (certificate last: it marks the pair done). */
async function persistedTlsAuthority(
  f: (name: FileName) => string,
  keyFile: FileName,
  certFile: FileName,
  clusterName: string,
): Promise<TlsAuthority> {
  if (fs.existsSync(f(certFile))) {
    return {
      key: createPrivateKey(fs.readFileSync(f(keyFile), 'utf8')),
      certPem: fs.readFileSync(f(certFile), 'utf8'),
    };
  }
  const a = await newTlsAuthority(clusterName, 'rsa2048');
  writeFileAtomic(f(keyFile), keyPem(a.key));
  writeFileAtomic(f(certFile), a.certPem, 0o644);
  return a;
}

export class AuthorityError extends Error {}

/** Loads the CAs from dataDir/ca, or creates (and saves) them. */
export async function loadOrCreateAuthority(
  dataDir: string | undefined,
  clusterName: string,
  suite: SignatureSuite,
): Promise<Authority> {
  if (!dataDir) return newAuthority(clusterName, suite);
  const dir = path.join(dataDir, 'ca');
  const f = (name: FileName) => path.join(dir, FILES[name]);
  // Data dirs from before the database CAs get them on first use.
  const databaseCAs = memo(async () => ({
    db: await persistedTlsAuthority(f, 'dbTLSKey', 'dbTLSCert', clusterName),
    dbClient: await persistedTlsAuthority(f, 'dbClientTLSKey', 'dbClientTLSCert', clusterName),
  }));
  // Data dirs from before the JWT CA get it on first use, for the suite they were made with.
  const jwtSigner = (suite: SignatureSuite) =>
    memo(() => {
      if (fs.existsSync(f('jwtKey'))) {
        return Promise.resolve(jwtAuthorityOf(createPrivateKey(fs.readFileSync(f('jwtKey'), 'utf8'))));
      }
      const a = newJwtAuthority(suite);
      writeFileAtomic(f('jwtKey'), keyPem(a.key));
      return Promise.resolve(a);
    });
  if (fs.existsSync(f('meta'))) {
    const meta = JSON.parse(fs.readFileSync(f('meta'), 'utf8')) as Meta;
    if (meta.cluster_name !== clusterName) {
      throw new AuthorityError(
        `data dir ${dataDir} holds the CAs of cluster "${meta.cluster_name}", not "${clusterName}"; use another --data-dir`,
      );
    }
    const read = (name: FileName) => fs.readFileSync(f(name), 'utf8');
    return {
      clusterName,
      suite: meta.signature_algorithm_suite,
      userSSH: createPrivateKey(read('userSSH')),
      hostSSH: createPrivateKey(read('hostSSH')),
      userTLS: { key: createPrivateKey(read('userTLSKey')), certPem: read('userTLSCert') },
      hostTLS: { key: createPrivateKey(read('hostTLSKey')), certPem: read('hostTLSCert') },
      databaseCAs,
      jwtSigner: jwtSigner(meta.signature_algorithm_suite),
    };
  }
  const a = { ...(await newAuthority(clusterName, suite)), databaseCAs, jwtSigner: jwtSigner(suite) };
  ensureDir(dir);
  writeFileAtomic(f('userSSH'), keyPem(a.userSSH));
  writeFileAtomic(f('hostSSH'), keyPem(a.hostSSH));
  writeFileAtomic(f('userTLSKey'), keyPem(a.userTLS.key));
  writeFileAtomic(f('userTLSCert'), a.userTLS.certPem, 0o644);
  writeFileAtomic(f('hostTLSKey'), keyPem(a.hostTLS.key));
  writeFileAtomic(f('hostTLSCert'), a.hostTLS.certPem, 0o644);
  // meta last: its presence means the set is complete.
  writeFileAtomic(
    f('meta'),
    JSON.stringify({ cluster_name: clusterName, signature_algorithm_suite: suite }, null, 2) + '\n',
  );
  return a;
}

/** Teleport's CA pin: sha256 over the CA certificate's SubjectPublicKeyInfo, hex. */
export function caPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** The host CA as the login response's host_signers entry (TrustedCerts JSON). */
export function hostSigners(a: Authority): {
  domain_name: string;
  checking_keys: string[];
  tls_certs: string[];
} {
  return {
    domain_name: a.clusterName,
    checking_keys: [Buffer.from(marshalAuthorizedKey(a.hostSSH)).toString('base64')],
    tls_certs: [Buffer.from(a.hostTLS.certPem).toString('base64')],
  };
}
